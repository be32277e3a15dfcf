"""The milestone registry: the one table that maps milestone -> components -> templates -> verification criteria.

Every command reads this table: `render` and `deploy` take the components of milestones 1..N, `deploy` orders them
by `depends_on` and waits `wait_s` for the workloads they render, and `validate` runs the criteria of milestones 1..N.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ca3cli.core.errors import ConfigError

if TYPE_CHECKING:  # only read by attribute here; `ca3 validate --list` runs without loading the settings model
    from ca3cli.core.settings import Settings

@dataclass(frozen=True)
class Wait:
    """An object deploy polls until its status is Current (ca3cli/core/readiness.py), stopping early on a final cause.

    The plan makes one for every workload and Job a component renders, named as rendered (ca3cli/core/plan.py).
    """

    resource: str  # e.g. "statefulset/kafka", "job/kafka-topic-create-70f00d6c29"
    timeout_s: int = 300


@dataclass(frozen=True)
class PodSecurityNeed:
    """Pods of a component pass no Pod Security level stricter than `level`, and why
    (ca3cli/core/podsecurity/namespace.py loosens the namespace's `enforce` to it; tests/core/test_pod_security.py
    holds it to the rendered pods)."""

    level: str  # privileged or baseline
    reason: str


@dataclass(frozen=True)
class Component:
    """One deployable part of the stack: its templates (in templates/<name>/) and where they land (k8s/<folder>/)."""

    name: str
    folder: str
    templates: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    wait_s: int = 0  # how long deploy waits for each workload and Job it renders to be Current; 0: no wait
    pod_security: PodSecurityNeed | None = None  # None: its pods pass `restricted`
    enabled: Callable[[Settings], bool] = field(default=lambda settings: True, compare=False)


@dataclass(frozen=True)
class Criterion:
    """One verification criterion of the seed plan that `ca3 validate` checks live."""

    id: str
    milestone: int
    text: str


@dataclass(frozen=True)
class Milestone:
    """What one milestone adds: components to deploy, and features that change what earlier components render."""

    number: int
    title: str
    components: tuple[str, ...]
    features: tuple[str, ...] = ()


COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        # Milestone 1: the baseline stack (templates listed by the component's owner as they are written).
        Component("namespace", "", ("namespace.yaml",)),
        Component(
            "secrets", "secrets",
            ("influxdb-auth-secret.yaml", "grafana-admin-secret.yaml", "kafka-cluster-secret.yaml"),
            depends_on=("namespace",),
        ),
        # Milestones 7-8: our CA (ConfigMap ca3-ca) and the TLS Secrets made by `ca3 certs`; each template renders
        # nothing until its link's milestone (influxdb-tls from 7, kafka-tls from 8, kafka-client-tls with mutual
        # TLS), and every TLS client and server depends on this component so the files exist before pods mount them.
        Component(
            "tls", "tls",
            ("ca3-ca-configmap.yaml", "influxdb-tls-secret.yaml", "kafka-tls-secret.yaml",
             "kafka-client-tls-secret.yaml"),
            depends_on=("namespace",),
            enabled=lambda settings: settings.tls.influxdb or settings.tls.kafka,
        ),
        Component(
            "network", "network",
            tuple(f"{name}-networkpolicy.yaml" for name in (
                "default-deny", "allow-dns", "kafka", "kafka-topic-create", "influxdb", "producer", "processor",
                "grafana",
            )),
            depends_on=("namespace",),
        ),
        Component(
            "kafka", "kafka",
            ("kafka-serviceaccount.yaml", "kafka-headless-service.yaml", "kafka-service.yaml",
             "kafka-scripts-configmap.yaml", "kafka-statefulset.yaml", "kafka-pdb.yaml", "kafka-client-configmap.yaml",
             "kafka-topic-serviceaccount.yaml",
             "kafka-topic-configmap.yaml", "kafka-topic-job.yaml"),
            depends_on=("namespace", "secrets", "network", "tls"),
            wait_s=600,
        ),
        Component(
            "influxdb", "influxdb",
            ("influxdb-serviceaccount.yaml", "influxdb-rbac.yaml", "influxdb-init-configmap.yaml",
             "influxdb-headless-service.yaml", "influxdb-service.yaml", "influxdb-statefulset.yaml"),
            depends_on=("namespace", "secrets", "network", "tls"),
            wait_s=600,
        ),
        Component(
            "producer", "producer",
            ("producer-serviceaccount.yaml", "producer-deployment.yaml", "producer-service.yaml", "producer-hpa.yaml"),
            depends_on=("kafka", "tls"),
            wait_s=300,
        ),
        Component(
            "processor", "processor",
            ("processor-serviceaccount.yaml", "processor-deployment.yaml"),
            depends_on=("kafka", "influxdb", "tls"),
            wait_s=300,
        ),
        Component(
            "grafana", "grafana",
            ("grafana-serviceaccount.yaml", "grafana-datasource-configmap.yaml", "grafana-dashboard-configmap.yaml",
             "grafana-deployment.yaml", "grafana-service.yaml"),
            depends_on=("influxdb", "tls"),
            wait_s=300,
        ),
        Component(
            "image-renderer", "grafana",
            ("image-renderer-deployment.yaml", "image-renderer-service.yaml", "image-renderer-networkpolicy.yaml"),
            depends_on=("grafana",),
            wait_s=300,
            enabled=lambda settings: settings.observability.image_renderer,
        ),
        # Milestone 6: the processor's autoscaler (the producer's ships with it from milestone 1).
        Component(
            "processor-autoscaler", "processor", ("processor-hpa.yaml",),
            depends_on=("processor",),
            enabled=lambda settings: settings.autoscaling.processor == "cpu",
        ),
        Component(
            "processor-keda", "processor", ("processor-scaledobject.yaml",),
            depends_on=("processor",),
            enabled=lambda settings: settings.autoscaling.processor == "keda",
        ),
        # Milestones 2-5: observability.
        Component(
            "prometheus", "prometheus",
            ("prometheus-rbac.yaml", "prometheus-configmap.yaml", "prometheus-deployment.yaml",
             "prometheus-service.yaml", "prometheus-networkpolicy.yaml"),
            depends_on=("namespace", "network"),
            wait_s=300,
        ),
        Component(
            "kafka-exporter", "kafka-exporter",
            ("kafka-exporter-serviceaccount.yaml", "kafka-exporter-deployment.yaml", "kafka-exporter-service.yaml",
             "kafka-exporter-networkpolicy.yaml"),
            depends_on=("kafka", "prometheus", "tls"),
            wait_s=300,
        ),
        # Loki (templates/logging); the log agent is Promtail or Alloy (settings.observability.log_agent).
        Component(
            "logging", "logging",
            ("loki-serviceaccount.yaml", "loki-configmap.yaml", "loki-deployment.yaml", "loki-service.yaml",
             "loki-networkpolicy.yaml"),
            depends_on=("namespace", "network"),
            wait_s=300,
        ),
        Component(
            "promtail", "logging",
            ("promtail-rbac.yaml", "promtail-configmap.yaml", "promtail-daemonset.yaml", "promtail-networkpolicy.yaml"),
            depends_on=("logging",),
            wait_s=300,
            pod_security=PodSecurityNeed(
                "privileged", "Promtail reads the kubelet's log files through a hostPath volume (/var/log/pods) as "
                "root (runAsUser 0), which baseline and restricted forbid; set observability.log_agent: alloy in "
                "ca3.yaml to enforce restricted"),
            enabled=lambda settings: settings.observability.log_agent == "promtail",
        ),
        Component(
            "alloy", "logging",
            ("alloy-rbac.yaml", "alloy-configmap.yaml", "alloy-daemonset.yaml", "alloy-networkpolicy.yaml"),
            depends_on=("logging",),
            wait_s=300,
            enabled=lambda settings: settings.observability.log_agent == "alloy",
        ),
    )
}

MILESTONES: dict[int, Milestone] = {
    m.number: m
    for m in (
        Milestone(1, "Foundation setup",
                  ("namespace", "secrets", "network", "kafka", "influxdb", "producer", "processor", "grafana")),
        Milestone(2, "Prometheus deployment", ("prometheus",), ("prometheus",)),
        Milestone(3, "Application metrics instrumentation", ("kafka-exporter",), ("app_metrics",)),
        Milestone(4, "Enhanced Grafana dashboards", ("image-renderer",), ("dashboards",)),
        Milestone(5, "Centralized logging (Loki + Promtail)", ("logging", "promtail", "alloy"), ("logging",)),
        Milestone(6, "Load testing and HPA validation", ("processor-autoscaler", "processor-keda"),
                  ("autoscaling", "keda")),
        Milestone(7, "TLS for InfluxDB", ("tls",), ("tls_influxdb",)),
        Milestone(8, "TLS for Kafka", (), ("tls_kafka",)),
        Milestone(9, "Resilience testing", ()),
    )
}
HIGHEST = max(MILESTONES)  # the last milestone of the table; `-m` takes 1..HIGHEST

# Every checkable criterion of the seed plan, milestones 1..9, plus what the previous script missed; the checks that
# prove them live in ca3cli/operations/validate/ under the same ids.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("m1.namespace", 1, "The namespace is Active and every object ca3 manages lives in it"),
    Criterion("m1.pod-security-labels", 1, "The namespace enforces the strictest Pod Security level its pods "
              "pass (restricted unless the log agent is Promtail), audits and warns at restricted, pinned"),
    Criterion("m1.kafka-ready", 1, "StatefulSet kafka has all replicas Ready"),
    Criterion("m1.influxdb-ready", 1, "StatefulSet influxdb has all replicas Ready"),
    Criterion("m1.producer-ready", 1, "Deployment producer has all replicas Ready"),
    Criterion("m1.processor-ready", 1, "Deployment processor has all replicas Ready"),
    Criterion("m1.grafana-ready", 1, "Deployment grafana has all replicas Ready"),
    Criterion("m1.pods-running", 1, "Every pod in the namespace is Running and Ready (finished Job pods Succeeded)"),
    Criterion("m1.service-endpoints", 1, "Services of the baseline stack have ready endpoints"),
    Criterion("m1.secrets", 1, "Secrets influxdb-auth, grafana-admin and kafka-cluster exist with their keys"),
    Criterion("m1.serviceaccounts", 1, "Every workload runs under its own ServiceAccount, and it exists"),
    Criterion("m1.rbac", 1, "No baseline workload's ServiceAccount may read Secrets through the API"),
    Criterion("m1.networkpolicies", 1,
              "NetworkPolicies deny by default both ways, allow DNS egress and select every pod"),
    Criterion("m1.networkpolicy-enforced", 1, "A pod without allowed labels cannot open Kafka's port"),
    Criterion("m1.topic", 1, "Topic conveyor-speed exists with at least the configured partitions"),
    Criterion("m1.topic-message", 1, "A message can be read from topic conveyor-speed"),
    Criterion("m1.producer-logs", 1, "Producer logs show readings (`Speed:`)"),
    Criterion("m1.processor-logs", 1, "Processor logs show writes (`Writing to InfluxDB`)"),
    Criterion("m1.data-flow", 1, "Points reach InfluxDB: the count since a fixed start grows between two reads"),
    Criterion("m1.grafana-nodeport", 1, "Service grafana-service is a NodePort on the configured port"),
    Criterion("m1.grafana-health", 1, "Grafana answers its health API with its database ok"),
    Criterion("m1.grafana-influxdb-datasource", 1, "Grafana's InfluxDB datasource answers its health check"),
    Criterion("m2.prometheus-ready", 2, "Deployment prometheus has all replicas Ready"),
    Criterion("m2.prometheus-service", 2, "Service prometheus-service has ready endpoints"),
    Criterion("m2.prometheus-ui", 2, "Prometheus answers through a port-forward: ready endpoint and UI page"),
    Criterion("m2.prometheus-self-target", 2, "Prometheus scrapes itself and that target is up"),
    Criterion("m2.prometheus-query-up", 2, "Prometheus answers the query `up` with samples"),
    Criterion("m2.prometheus-rbac", 2, "Prometheus's ServiceAccount may list pods (pod discovery)"),
    Criterion("m3.producer-metrics", 3, "Producer serves Prometheus metrics at :8000/metrics"),
    Criterion("m3.producer-metrics-exec", 3,
              "`kubectl exec <producer-pod> -- curl localhost:8000/metrics` (the seed's own command) returns them"),
    Criterion("m3.processor-metrics", 3, "Processor serves Prometheus metrics at :8000/metrics"),
    Criterion("m3.prometheus-app-targets", 3, "Prometheus targets for producer and processor are up"),
    Criterion("m3.kafka-exporter-ready", 3, "Deployment kafka-exporter has all replicas Ready"),
    Criterion("m3.kafka-exporter-service", 3, "Service kafka-exporter-service has ready endpoints"),
    Criterion("m3.prometheus-kafka-exporter-target", 3, "Prometheus target for kafka-exporter is up"),
    Criterion("m3.prometheus-custom-metrics", 3,
              "`producer_messages_sent_total` and `processor_messages_consumed_total` are > 0 in Prometheus"),
    Criterion("m3.consumer-lag-metric", 3, "`kafka_consumergroup_lag{group=\"processor\"}` exists in Prometheus"),
    Criterion("m4.grafana-prometheus-datasource", 4, "Grafana's Prometheus datasource answers its health check"),
    Criterion("m4.dashboard", 4, "Dashboard `CA3 Pipeline Metrics` exists in Grafana"),
    Criterion("m4.panel-producer-rate", 4, "The dashboard's producer-rate panel query returns > 0"),
    Criterion("m4.panel-processor-rate", 4, "The dashboard's processor-rate panel query returns > 0"),
    Criterion("m4.panel-influxdb-writes", 4, "The dashboard's InfluxDB-writes panel query returns > 0"),
    Criterion("m4.dashboard-refresh", 4, "The dashboard refreshes every 5s"),
    Criterion("m5.loki-ready", 5, "Deployment loki has all replicas Ready"),
    Criterion("m5.loki-service", 5, "Service loki-service has ready endpoints"),
    Criterion("m5.log-agent-per-node", 5, "The log agent (Promtail or Alloy) runs one Ready pod per schedulable node"),
    Criterion("m5.log-agent-rbac", 5, "The log agent's ServiceAccount may list pods"),
    Criterion("m5.grafana-loki-datasource", 5, "Grafana's Loki datasource answers its health check"),
    Criterion("m5.loki-namespace-query", 5, "Loki returns log lines for `{namespace=\"<namespace>\"}`"),
    Criterion("m5.loki-apps", 5, "Loki holds logs from producer, processor, kafka and influxdb"),
    Criterion("m5.loki-app-filter", 5, "Loki filters by pod label: `{app=\"producer\"}` returns only producer lines"),
    Criterion("m5.loki-search-speed", 5, "A Loki search for `Speed:` returns lines"),
    Criterion("m5.loki-search-writes", 5, "A Loki search for `Writing to InfluxDB` returns lines"),
    Criterion("m6.hpa-configured", 6,
              "HPA producer targets Deployment producer with min/max and CPU target as configured"),
    Criterion("m6.hpa-metrics", 6, "HPA producer reads current CPU metrics (metrics-server works)"),
    Criterion("m6.scaling-cycle", 6, "The last `ca3 load-test` saw every HPA scale up to 2+ replicas under load and "
              "back to its minimum after it"),
    Criterion("m7.influxdb-tls-secret", 7, "Secret influxdb-tls holds a current certificate for influxdb-service"),
    Criterion("m7.influxdb-mounts-tls", 7, "The InfluxDB pod mounts Secret influxdb-tls"),
    Criterion("m7.influxdb-tls-logs", 7, "InfluxDB logs show it listening with transport https"),
    Criterion("m7.influxdb-tls-handshake", 7,
              "InfluxDB completes a TLS handshake verified against our CA for its service name"),
    Criterion("m7.processor-https", 7, "The processor reaches InfluxDB through an https:// URL"),
    Criterion("m7.grafana-influxdb-https", 7,
              "Grafana's InfluxDB datasource uses https:// and answers its health check"),
    Criterion("m7.no-tls-errors", 7, "Logs of influxdb, processor and grafana show no TLS handshake errors"),
    Criterion("m8.kafka-tls-secret", 8, "Secret kafka-tls holds a current certificate for kafka-service"),
    Criterion("m8.kafka-tls-handshake", 8,
              "Kafka completes a TLS handshake on 9093 verified against our CA for its service name"),
    Criterion("m8.no-plaintext-9092", 8, "Nothing answers plaintext Kafka on port 9092"),
    Criterion("m8.kafka-tls-config", 8, "Kafka binds an SSL listener on 9093 and no listener on 9092"),
    Criterion("m8.clients-tls", 8, "Producer and processor are configured for Kafka on 9093"),
    Criterion("m8.no-tls-errors", 8, "Logs of kafka, producer and processor show no TLS handshake errors"),
    Criterion("m9.controller-owned", 9,
              "Every long-running pod is owned by a controller, so a deleted pod is recreated"),
    Criterion("m9.no-crashloops", 9, "No container is crash-looping or restarted in the last 10 minutes"),
)


def check_milestone(number: int) -> int:
    """Return `number` when it names a milestone, else raise a ConfigError that lists the valid ones."""
    if number not in MILESTONES:
        raise ConfigError(f"Unknown milestone {number}; choose one of 1-{HIGHEST}.")
    return number


def components_for(number: int, settings: Settings) -> list[Component]:
    """The enabled components of milestones 1..number, in registry order."""
    wanted = {name for m in range(1, check_milestone(number) + 1) for name in MILESTONES[m].components}
    return [c for c in COMPONENTS.values() if c.name in wanted and c.enabled(settings)]


def span(number: int) -> str:
    """How messages name milestones 1..number: "milestone 1" or "milestones 1-5"."""
    return "milestone 1" if number == 1 else f"milestones 1-{number}"


def criteria_for(number: int, only: Sequence[str] = ()) -> list[Criterion]:
    """The verification criteria of milestones 1..number, narrowed to the ids in `only` when given.

    An unknown id in `only` is a ConfigError naming the closest ids and how to list them all.
    """
    known = [c.id for c in CRITERIA]
    unknown = [check_id for check_id in only if check_id not in known]
    if unknown:
        close = sorted({m for u in unknown for m in difflib.get_close_matches(u, known, n=3)})
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f"Unknown check id {', '.join(unknown)}.{hint} Run `ca3 validate --list` to see them all.")
    wanted = set(only)
    return [c for c in CRITERIA if c.milestone <= check_milestone(number) and (not wanted or c.id in wanted)]


# Features a setting can keep off even once their milestone is reached.
SWITCHES: dict[str, Callable[[Settings], bool]] = {
    "keda": lambda settings: settings.autoscaling.processor == "keda",
    "tls_influxdb": lambda settings: settings.tls.influxdb,
    "tls_kafka": lambda settings: settings.tls.kafka,
}


def features(settings: Settings, number: int) -> dict[str, bool]:
    """Every feature of the milestone table, on when milestones 1..`number` add it and its switch (if any) allows;
    templates and checks ask for features by name, never by milestone number."""
    reached = {name for m in MILESTONES.values() if m.number <= number for name in m.features}
    every = [name for m in MILESTONES.values() for name in m.features]
    return {name: name in reached and (name not in SWITCHES or SWITCHES[name](settings)) for name in every}
