"""outputs/operator-procedures.md is written from what ca3 renders: every command names real objects, every alert
rule appears, only what a milestone deploys is covered, LogQL only with Loki, and no secret anywhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
import yaml

from ca3cli.core import dashboards, registry, render, template_values
from ca3cli.core.render import Manifest
from ca3cli.core.settings import Settings
from ca3cli.edges import secrets
from ca3cli.operations.procedures import render_operator_procedures, write_operator_procedures
from ca3cli.operations.procedures.document import document
from tests.procedures.commands import problems, shell_blocks

KEDA = {"autoscaling": {"processor": "keda", "processor_max_replicas": 4}}
VARIANTS = [
    (1, {}), (2, {}), (4, {}), (5, {}), (6, {}), (6, KEDA), (7, {}), (9, {}),
    (9, {"namespace": "plant-7", "kafka": {"replicas": 3}, "observability": {"log_agent": "alloy"}}),
    (9, {"tls": {"influxdb": False, "kafka": False}}),
]


def _rendered(settings: Settings, milestone: int) -> list[Manifest]:
    return render.render(settings, template_values.placeholders(), milestone)


def _alert_names(manifests: list[Manifest]) -> list[str]:
    """Alert rules in any rendered ConfigMap file that is a Prometheus rule file."""
    names = []
    for doc in (d for m in manifests for d in m.documents if d["kind"] == "ConfigMap"):
        for text in (doc.get("data") or {}).values():
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError:  # a shell script, a config in another syntax
                continue
            for group in parsed.get("groups", []) if isinstance(parsed, dict) else []:
                names += [rule["alert"] for rule in group.get("rules", []) if "alert" in rule]
    return names


@pytest.mark.parametrize(("milestone", "overrides"), VARIANTS)
def test_every_command_names_objects_the_milestone_renders(milestone: int, overrides: dict[str, object]) -> None:
    settings = Settings.model_validate(overrides)
    text = render_operator_procedures(settings, milestone=milestone)
    manifests = _rendered(settings, milestone)
    kubectl = [line for line in shell_blocks(text) if line.startswith("kubectl")]
    assert len(kubectl) > 20
    assert {line: found for line in kubectl if (found := problems(line, settings.namespace, manifests))} == {}


def test_the_cross_check_catches_a_made_up_name() -> None:
    manifests = _rendered(Settings(), 9)
    assert problems("kubectl -n conveyor-pipeline rollout status deployment/producr", "conveyor-pipeline", manifests)
    assert problems("kubectl -n conveyor-pipeline logs -l app.kubernetes.io/name=kafka -c kafka-broker",
                    "conveyor-pipeline", manifests)
    assert problems("kubectl -n other get pods", "conveyor-pipeline", manifests)
    assert problems("kubectl -n conveyor-pipeline delete pod/kafka-1", "conveyor-pipeline", manifests)
    assert problems("kubectl -n conveyor-pipeline get pdb influxdb", "conveyor-pipeline", manifests)


@pytest.mark.parametrize(("milestone", "overrides"), VARIANTS)
def test_every_rendered_alert_rule_appears(milestone: int, overrides: dict[str, object]) -> None:
    settings = Settings.model_validate(overrides)
    text = render_operator_procedures(settings, milestone=milestone)
    names = _alert_names(_rendered(settings, milestone))
    assert all(f"`{name}`" in text for name in names)
    no_rules = "defines no alert rules" in text
    assert no_rules == (not names and registry.features(settings, milestone)["prometheus"])


RULES = """\
groups:
  - name: conveyor
    rules:
      - alert: ProcessorLagHigh
        expr: sum(kafka_consumergroup_lag{group="processor"}) > 1000
        for: 2m
        labels: {severity: warning}
        annotations: {summary: Readings wait in Kafka}
      - alert: InfluxDBWriteErrors
        expr: rate(processor_influxdb_write_errors_total[5m]) > 0
        annotations: {summary: The processor cannot write}
      - alert: PipelineSilent
        expr: absent(up)
"""


def _with_rules(manifests: list[Manifest]) -> list[Manifest]:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "prometheus-rules"},
           "data": {"alerts.yml": RULES}}
    return [*manifests, Manifest("prometheus", PurePosixPath("prometheus/rules.yaml"), yaml.safe_dump(doc), (doc,))]


def test_alert_rules_land_in_their_procedures_and_the_index(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool:  # the rule file is one Prometheus itself accepts
        (tmp_path / "alerts.yml").write_text(RULES)
        subprocess.run([promtool, "check", "rules", str(tmp_path / "alerts.yml")], check=True, capture_output=True)
    text = document(Settings(), 9, _with_rules(_rendered(Settings(), 9)))
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M))
    assert "`ProcessorLagHigh`: Readings wait in Kafka" in sections["Consumer lag and backlog"]
    assert "`InfluxDBWriteErrors`: The processor cannot write" in sections["InfluxDB outage"]
    index = sections["Alert rules"]
    for name in ("ProcessorLagHigh", "InfluxDBWriteErrors", "PipelineSilent"):
        assert f"| `{name}` |" in index
    assert "[Consumer lag and backlog](#consumer-lag)" in index
    assert "defines no alert rules" not in text


def _titles(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, flags=re.M)


def test_only_what_the_milestone_deploys_is_covered() -> None:
    first = _titles(render_operator_procedures(Settings(), milestone=1))
    assert [t for t in first if t.endswith("pod lost")] == [
        f"{tier} pod lost" for tier in ("producer", "processor", "kafka", "influxdb", "grafana")]
    assert "Certificate expiry and rotation" not in first
    assert "prometheus pod lost" in _titles(render_operator_procedures(Settings(), milestone=2))
    fifth = _titles(render_operator_procedures(Settings(), milestone=5))
    assert "loki pod lost" in fifth and "Certificate expiry and rotation" not in fifth
    assert "Certificate expiry and rotation" in _titles(render_operator_procedures(Settings(), milestone=7))
    no_tls = Settings.model_validate({"tls": {"influxdb": False, "kafka": False}})
    assert "Certificate expiry and rotation" not in _titles(render_operator_procedures(no_tls, milestone=9))


def test_certificates_are_checked_and_rotated_with_ca3_certs() -> None:
    text = render_operator_procedures(Settings(), milestone=7)
    section = text[text.index("## Certificate expiry and rotation"):]
    assert "ca3 certs --check" in section and "ca3 certs --rotate" in section
    assert "m7.no-tls-errors" in section and "m8." not in section  # Kafka's TLS only from milestone 8


@pytest.mark.parametrize("milestone", [1, 2, 3, 4])
def test_a_milestone_without_loki_has_no_logql(milestone: int) -> None:
    text = render_operator_procedures(Settings(), milestone=milestone)
    assert "```logql" not in text and '{namespace="' not in text and "Loki" not in text


def test_no_loki_query_is_offered_where_grafana_or_loki_itself_is_down() -> None:
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", render_operator_procedures(Settings()),
                               flags=re.S | re.M))
    assert "```logql" in sections["producer pod lost"]
    assert "```logql" not in sections["grafana pod lost"] and "```logql" not in sections["loki pod lost"]
    assert "m1.grafana-health" in sections["grafana pod lost"] and "m1.data-flow" not in sections["grafana pod lost"]
    assert "m5.loki-service" in sections["loki pod lost"]


def test_logql_names_the_namespace_and_the_pods_app_labels() -> None:
    settings = Settings(namespace="plant-7")
    text = render_operator_procedures(settings, milestone=5)
    queries = re.findall(r"^\{namespace=\"([^\"]+)\"(?:, app=\"([^\"]+)\")?\}", text, flags=re.M)
    assert queries
    apps = {d["spec"]["template"]["metadata"]["labels"]["app"] for m in _rendered(settings, 5) for d in m.documents
            if d["kind"] in ("Deployment", "StatefulSet")}
    assert {namespace for namespace, _ in queries} == {"plant-7"}
    assert {app for _, app in queries if app} <= apps


def test_panels_named_exist_in_the_dashboards_provisioned() -> None:
    settings = Settings()
    text = render_operator_procedures(settings, milestone=6)
    named = set(re.findall(r"^- (.+ / .+)$", text, flags=re.M))
    boards = dashboards.dashboards(settings, registry.features(settings, 6))
    provisioned = {f"{b.title} / {p.title}" for b in boards for p in b.panels}
    assert named and named <= provisioned
    assert "CA3 Pipeline Metrics / Consumer lag (messages)" in named


def test_scaling_advice_follows_the_autoscaling_settings() -> None:
    keda = render_operator_procedures(Settings.model_validate(KEDA), milestone=6)
    assert "KEDA scales the processor on lag above 500 messages per replica, between 1 and 4 replicas" in keda
    assert "get scaledobject/processor" in keda
    cpu = render_operator_procedures(Settings(), milestone=6)
    assert "The HPA scales the processor on CPU above 50% of its request" in cpu and "get hpa/processor" in cpu
    assert "kubectl -n conveyor-pipeline scale deployment/processor --replicas=6" in render_operator_procedures(
        Settings(), milestone=5)  # nothing autoscales the processor before milestone 6


def test_broker_loss_advice_follows_the_broker_count() -> None:
    one = render_operator_procedures(Settings(), milestone=9)
    three = render_operator_procedures(Settings.model_validate({"kafka": {"replicas": 3}}), milestone=9)
    assert "single broker" in one and "stays available" not in one
    assert "With 3 brokers the topic stays available" in three
    assert "delete pod/kafka-2 --grace-period=0 --force" in three and "pod/kafka-1" not in one
    quorum = "exec pod/kafka-0 -c kafka -- bash /etc/ca3/kafka/quorum.sh describe --replication"
    assert quorum in one and quorum in three  # whether each broker is a KRaft voter again


def test_written_file_holds_no_secret(tmp_path: Path) -> None:
    secrets.ensure(tmp_path / ".ca3" / "secrets")
    values = list(secrets.load(tmp_path / ".ca3" / "secrets").values())
    path = write_operator_procedures(Settings(), tmp_path)
    assert path == tmp_path / "outputs" / "operator-procedures.md"
    text = path.read_text(encoding="utf-8")
    assert text == render_operator_procedures(Settings())
    assert values and not [v for v in values if v in text]
    assert "placeholder" not in text and "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text
