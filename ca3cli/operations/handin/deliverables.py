"""Every deliverable and criterion of the seed as data: where its file lands in the submission and what makes it.

A row is made by `write`, a static maker `(settings, root) -> Path` that needs no cluster, or by `command` against
the cluster, or both: a maker that reads what a command made (the JSON of a validate run) returns None until that
file exists, and the row then needs its command. `source` rows are files of the project itself, checked, never
written; rows whose command is `ca3 handin` are written last by this command, from everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core import registry

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

Maker = Callable[["Settings", Path], "Path | None"]

OUTPUTS = "outputs"
VALIDATION_JSON = f"{OUTPUTS}/validation-report.json"
VALIDATION_XML = f"{OUTPUTS}/validation-report.xml"
VALIDATE = f"ca3 validate --json --junit {VALIDATION_XML} > {VALIDATION_JSON}"
EVIDENCE = "ca3 evidence"
LOAD_TEST = "ca3 load-test"
CHAOS_RECORD = "ca3 chaos --record"
# Both also have static makers (ca3cli.operations.certs.summary, ca3cli.operations.procedures): the commands
# write them with what they measured or issued.
TLS_SUMMARY = "ca3 certs"
PROCEDURES = "ca3 chaos"
HANDIN = "ca3 handin"
LAST_MILESTONE = 11  # handin is milestones 10 and 11; ca3 deploys 1..registry.HIGHEST


@dataclass(frozen=True)
class Makers:
    """The static makers a table row can point to, built for one submission (milestone, project root)."""

    k8s: Maker
    secrets_template: Maker
    network_policies: Maker
    scripts: Maker
    gitignore: Maker
    validation_report: Maker
    deploy_log: Maker
    procedures: Maker
    tls_summary: Maker


@dataclass(frozen=True)
class Deliverable:
    """One file the seed asks for: its milestone, the seed's words, its path in the submission, how it is made."""

    milestone: int
    seed: str
    path: str
    write: Maker | None = None
    command: str = ""
    source: bool = False


@dataclass(frozen=True)
class Criterion:
    """A verification criterion: a `ca3 validate` check id, a deliverable's path that proves it, or by hand."""

    milestone: int
    text: str
    check_id: str = ""
    path: str = ""
    by_hand: str = ""  # what a person does, when no program can prove it
    all_under: str | None = None  # proven when every deliverable whose path starts with this is present


def deliverables(settings: Settings, milestone: int, makers: Makers) -> tuple[Deliverable, ...]:
    """The seed's deliverables of milestones 1..`milestone`, plus milestones 10 and 11 (the hand-in itself)."""
    k8s, agent = makers.k8s, settings.observability.log_agent
    rows = [
        Deliverable(1, "CA3 directory with copied structure", "k8s/namespace.yaml", k8s),
        Deliverable(1, "Successful deployment logs", f"{OUTPUTS}/deploy-log.txt", makers.deploy_log,
                    "ca3 deploy"),
        Deliverable(1, "Successful validation logs", f"{OUTPUTS}/validation-report.md", makers.validation_report,
                    VALIDATE),
        Deliverable(1, "Validation results as JSON", VALIDATION_JSON, command=VALIDATE),
        Deliverable(1, "Validation results as JUnit XML", VALIDATION_XML, command=VALIDATE),
        *(Deliverable(2, f"`k8s/prometheus/prometheus-{part}.yaml`", f"k8s/prometheus/prometheus-{part}.yaml", k8s)
          for part in ("deployment", "service", "configmap", "rbac")),
        Deliverable(2, "Screenshot of Prometheus UI showing targets", f"{OUTPUTS}/prometheus-targets.png",
                    command=EVIDENCE),
        Deliverable(3, "Updated `docker/producer/conveyor_producer.py` with metrics",
                    "apps/producer/producer/metrics.py", source=True),
        Deliverable(3, "Updated `docker/processor/conveyor_processor.py` with metrics",
                    "apps/processor/processor/metrics.py", source=True),
        Deliverable(3, "Updated Docker images (built by `ca3 build`): the producer's", "apps/producer/Dockerfile",
                    source=True),
        Deliverable(3, "Updated Docker images (built by `ca3 build`): the processor's", "apps/processor/Dockerfile",
                    source=True),
        Deliverable(3, "Updated Prometheus ConfigMap with scrape configs", "k8s/prometheus/prometheus-configmap.yaml",
                    k8s),
        Deliverable(3, "Screenshot of Prometheus targets showing producer/processor",
                    f"{OUTPUTS}/prometheus-targets.png", command=EVIDENCE),
        Deliverable(4, "Updated `k8s/grafana/grafana-datasource-configmap.yaml` (add Prometheus)",
                    "k8s/grafana/grafana-datasource-configmap.yaml", k8s),
        Deliverable(4, "Updated `k8s/grafana/grafana-dashboard-configmap.yaml` (new dashboard)",
                    "k8s/grafana/grafana-dashboard-configmap.yaml", k8s),
        Deliverable(4, "Screenshot of Grafana dashboard with all three panels showing data",
                    f"{OUTPUTS}/grafana-dashboard.png", command=EVIDENCE),
        *(Deliverable(5, f"`k8s/logging/{name}.yaml`", f"k8s/logging/{name}.yaml", k8s)
          for name in ("loki-deployment", "loki-service", "loki-configmap", f"{agent}-daemonset",
                       f"{agent}-configmap")),
        Deliverable(5, "Updated Grafana datasource ConfigMap (add Loki)",
                    "k8s/grafana/grafana-datasource-configmap.yaml", k8s),
        Deliverable(5, "Screenshot of Grafana Explore showing logs from multiple pods",
                    f"{OUTPUTS}/log-explore.png", command=EVIDENCE),
        Deliverable(5, "Screenshot of log search filtered by a specific keyword (`Writing to InfluxDB`)",
                    f"{OUTPUTS}/log-search.png", command=EVIDENCE),
        Deliverable(5, "Screenshot of log search filtered by \"error\"", f"{OUTPUTS}/log-search-error.png",
                    command=EVIDENCE),
        Deliverable(6, "`scripts/load-test.sh` script", "scripts/load-test.sh", makers.scripts),
        Deliverable(6, "`outputs/hpa-scaling-events.txt`", f"{OUTPUTS}/hpa-scaling-events.txt", command=LOAD_TEST),
        Deliverable(6, "`outputs/hpa-scaling.png`", f"{OUTPUTS}/hpa-scaling.png", command=LOAD_TEST),
        Deliverable(6, "`outputs/scaling-test-results.md`", f"{OUTPUTS}/scaling-test-results.md", command=LOAD_TEST),
        *_tls_rows(settings, makers),
        Deliverable(9, "`scripts/resilience-test.sh` script", "scripts/resilience-test.sh", makers.scripts),
        Deliverable(9, "`outputs/resilience-drill.mp4` video (<= 3 min)", f"{OUTPUTS}/resilience-drill.mp4",
                    command=CHAOS_RECORD),
        Deliverable(9, "`outputs/operator-procedures.md` documenting response steps",
                    f"{OUTPUTS}/operator-procedures.md", makers.procedures, PROCEDURES),
        Deliverable(9, "Screenshots of pod recovery in `kubectl get pods` output", f"{OUTPUTS}/pod-recovery.txt",
                    command=CHAOS_RECORD),
        Deliverable(9, "Recovery measured per failure (the drill's report)", f"{OUTPUTS}/resilience-report.md",
                    command=CHAOS_RECORD),
        Deliverable(9, "Recovery timeline of the drill", f"{OUTPUTS}/recovery-timeline.png", command=CHAOS_RECORD),
    ]
    return (*(row for row in rows if row.milestone <= milestone), *_handin_rows(makers))


def _tls_rows(settings: Settings, makers: Makers) -> list[Deliverable]:
    k8s, summary = makers.k8s, makers.tls_summary
    rows = [
        Deliverable(7, "`k8s/tls/generate-influxdb-certs.sh` script", "k8s/tls/generate-influxdb-certs.sh", k8s),
        Deliverable(7, "`k8s/tls/influxdb-tls-secret.yaml.template`", "k8s/tls/influxdb-tls-secret.yaml.template", k8s),
        Deliverable(7, "Updated `k8s/influxdb/influxdb-statefulset.yaml` (TLS config)",
                    "k8s/influxdb/influxdb-statefulset.yaml", k8s),
        Deliverable(7, "Updated `k8s/influxdb/influxdb-configmap.yaml` (TLS enabled)",
                    "k8s/influxdb/influxdb-init-configmap.yaml", k8s),
        Deliverable(7, "Updated `k8s/processor/processor-deployment.yaml` (HTTPS connection)",
                    "k8s/processor/processor-deployment.yaml", k8s),
        Deliverable(7, "Updated `k8s/grafana/grafana-datasource-configmap.yaml` (HTTPS)",
                    "k8s/grafana/grafana-datasource-configmap.yaml", k8s),
        Deliverable(7, "`outputs/tls-config-summary.md` documenting TLS setup", f"{OUTPUTS}/tls-config-summary.md",
                    summary, TLS_SUMMARY),
        Deliverable(8, "`k8s/tls/generate-kafka-certs.sh` script", "k8s/tls/generate-kafka-certs.sh", k8s),
        Deliverable(8, "`k8s/tls/kafka-tls-secret.yaml.template`", "k8s/tls/kafka-tls-secret.yaml.template", k8s),
        Deliverable(8, "Updated `k8s/kafka/kafka-statefulset.yaml` (TLS config)", "k8s/kafka/kafka-statefulset.yaml",
                    k8s),
        Deliverable(8, "Updated `k8s/producer/producer-deployment.yaml` (TLS connection)",
                    "k8s/producer/producer-deployment.yaml", k8s),
        Deliverable(8, "Updated `k8s/processor/processor-deployment.yaml` (TLS connection)",
                    "k8s/processor/processor-deployment.yaml", k8s),
        Deliverable(8, "Updated `outputs/tls-config-summary.md`", f"{OUTPUTS}/tls-config-summary.md",
                    summary, TLS_SUMMARY),
    ]
    # Milestone 8 is optional in the seed: with `tls.kafka: false` its rows are not asked for.
    return [row for row in rows if row.milestone != 8 or settings.tls.kafka]


def _handin_rows(makers: Makers) -> list[Deliverable]:
    return [
        Deliverable(10, "Complete CA3 README.md", "README.md", command=HANDIN),
        Deliverable(10, "network-policies.yaml (all NetworkPolicies in one file)",
                    f"{OUTPUTS}/network-policies.yaml", makers.network_policies),
        Deliverable(10, "All outputs organized in `outputs/` (this checklist)", f"{OUTPUTS}/CHECKLIST.md",
                    command=HANDIN),
        Deliverable(10, "Clean deployment from scratch succeeds", f"{OUTPUTS}/deploy-log.txt", makers.deploy_log,
                    "./scripts/destroy.sh --yes && ./scripts/deploy.sh"),
        Deliverable(10, "`./scripts/deploy.sh`, `validate.sh`, `destroy.sh`", "scripts/deploy.sh", makers.scripts),
        Deliverable(11, "Secret Kubernetes manifests as templates only", "k8s/secrets.yaml.template",
                    makers.secrets_template),
        Deliverable(11, "`.gitignore` excludes `secrets.yaml` and keys", ".gitignore", makers.gitignore),
        Deliverable(11, "Clean repository with no sensitive data (the secret scan)", f"{OUTPUTS}/secret-scan.md",
                    command=HANDIN),
    ]


def criteria(milestone: int) -> tuple[Criterion, ...]:
    """The `ca3 validate` criteria of milestones 1..`milestone`, then the seed's criteria of milestones 10-11."""
    checked = tuple(Criterion(c.milestone, c.text, check_id=c.id) for c in registry.criteria_for(milestone))
    return (
        *checked,
        Criterion(10, "README.md updated with all CA3 additions", path="README.md"),
        Criterion(10, "All required outputs present in `outputs/`", all_under=f"{OUTPUTS}/"),
        Criterion(10, "Deploy script works on clean cluster", path=f"{OUTPUTS}/deploy-log.txt"),
        Criterion(10, "Validate script passes all tests", path=VALIDATION_JSON),
        Criterion(10, "README instructions are clear and complete", by_hand="read README.md as a newcomer would"),
        Criterion(11, "No secrets.yaml files committed", path=f"{OUTPUTS}/secret-scan.md"),
        Criterion(11, "All manifests, scripts, and outputs present", all_under=""),
        Criterion(11, "Commit message is clear and concise", by_hand="`git log -1` before `git push`"),
        Criterion(11, "GitHub repository shows CA3 directory correctly", by_hand="open the repository on GitHub"),
        Criterion(11, "README.md renders properly on GitHub", by_hand="open README.md on GitHub"),
    )
