"""The settings model behind `ca3.yaml`: typed, validated before anything renders, overridable from the environment.

Environment overrides use `CA3_<SECTION>_<KEY>` in upper case, for example `CA3_IMAGES_TAG=0.2.0` or
`CA3_NAMESPACE=demo`; they win over the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml

from ca3cli.coerce import build as _build
from ca3cli.errors import ConfigError

DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
JVM_SIZE = re.compile(r"^[0-9]+[kmgKMG]$")
DURATION = re.compile(r"^[0-9]+(s|m|h|d|w)$")


def setting(default: Any, doc: str) -> Any:
    """A settings field with the comment `ca3 init` writes above it in ca3.yaml."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Resources:
    """Requests and limits for one container (Kubernetes quantities)."""

    cpu_request: str = setting("50m", "CPU the scheduler reserves; the HPA's utilisation is measured against it.")
    memory_request: str = setting("64Mi", "Memory the scheduler reserves.")
    cpu_limit: str = setting("250m", "CPU ceiling; above it the container is throttled.")
    memory_limit: str = setting("128Mi", "Memory ceiling; above it the container is OOM-killed.")


def resources(cpu_request: str, memory_request: str, cpu_limit: str, memory_limit: str, doc: str) -> Any:
    """A Resources field with its own defaults."""
    return setting(Resources(cpu_request, memory_request, cpu_limit, memory_limit), doc)


@dataclass(frozen=True)
class Cluster:
    """Which cluster ca3 talks to."""

    flavour: Literal["kind", "minikube", "k3d", "docker-desktop", "other"] = setting(
        "kind", "Local cluster kind; decides how images are loaded and how Grafana's NodePort is reached.")
    context: str = setting("", "Kube context; empty means kubectl's current context.")
    storage_class: str = setting("", "StorageClass for Kafka and InfluxDB volumes; empty means the cluster default.")


@dataclass(frozen=True)
class Images:
    """Image references; every tag is exact, never latest."""

    registry: str = setting("ca3", "Registry prefix of the app images: <registry>/producer:<tag>.")
    tag: str = setting("0.1.0", "Tag of the producer and processor images that `ca3 build` produces.")
    pull_policy: Literal["IfNotPresent", "Always", "Never"] = setting(
        "IfNotPresent", "imagePullPolicy of the app images (IfNotPresent works with images loaded into kind).")
    kafka: str = setting("apache/kafka:4.3.1", "Kafka broker image (KRaft mode).")
    influxdb: str = setting("influxdb:2.9.1", "InfluxDB 2 image; `influxdb:latest` is InfluxDB 3, so pin 2.x.")
    grafana: str = setting("grafana/grafana:13.2.0", "Grafana image.")
    prometheus: str = setting("prom/prometheus:v3.13.3", "Prometheus image (3.13 is a long-term support line).")
    kafka_exporter: str = setting("danielqsj/kafka-exporter:v1.9.0", "kafka-exporter image (consumer group lag).")
    loki: str = setting("grafana/loki:3.7.4", "Loki image (single binary).")
    promtail: str = setting("grafana/promtail:3.6.11", "Promtail image: the last release (end of life 2026-03-02).")
    alloy: str = setting("grafana/alloy:v1.18.1", "Grafana Alloy image, the log agent that replaces Promtail.")
    image_renderer: str = setting("grafana/grafana-image-renderer:v5.12.0", "Grafana's image renderer (evidence).")


@dataclass(frozen=True)
class Kafka:
    """The Kafka StatefulSet and its topic."""

    replicas: int = setting(1, "Brokers (each also a KRaft controller); use 1 or 3.")
    partitions: int = setting(6, "Partitions of conveyor-speed; >= the processor's replicas or extra consumers idle.")
    storage: str = setting("2Gi", "Size of each broker's PersistentVolumeClaim.")
    heap: str = setting("512m", "JVM heap (-Xms/-Xmx) of each broker; keep it about half the memory limit.")
    resources: Resources = resources("250m", "768Mi", "1", "1Gi", "Broker container resources.")


@dataclass(frozen=True)
class InfluxDB:
    """The InfluxDB 2 StatefulSet and its initial organisation and bucket."""

    admin_user: str = setting("admin", "InfluxDB admin user created at first start (password is generated).")
    org: str = setting("conveyor", "Organisation created at first start.")
    bucket: str = setting("conveyor", "Bucket the processor writes to.")
    retention: str = setting("30d", "Bucket retention (InfluxDB duration, e.g. 30d).")
    storage: str = setting("2Gi", "Size of the InfluxDB PersistentVolumeClaim.")
    resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "InfluxDB container resources.")


@dataclass(frozen=True)
class Producer:
    """The producer Deployment and its HorizontalPodAutoscaler."""

    lines: int = setting(3, "Conveyor lines each producer pod simulates.")
    rate_hz: float = setting(1.0, "Readings per second per line.")
    min_replicas: int = setting(1, "HPA minimum replicas.")
    max_replicas: int = setting(5, "HPA maximum replicas.")
    cpu_target_percent: int = setting(50, "HPA target: average CPU use as a percentage of the CPU request.")
    resources: Resources = setting(Resources(), "Producer container resources.")


@dataclass(frozen=True)
class Processor:
    """The processor Deployment (consumer group `processor`)."""

    replicas: int = setting(1, "Processor pods; at most kafka.partitions of them receive partitions.")
    batch_size: int = setting(500, "Readings written to InfluxDB per batch.")
    resources: Resources = resources("100m", "128Mi", "500m", "256Mi", "Processor container resources.")


@dataclass(frozen=True)
class Grafana:
    """The Grafana Deployment."""

    node_port: int = setting(30300, "NodePort of grafana-service (30000-32767).")
    resources: Resources = resources("50m", "128Mi", "250m", "256Mi", "Grafana container resources.")


@dataclass(frozen=True)
class Observability:
    """Prometheus, Loki and the log agent (milestones 2-5)."""

    prometheus_retention: str = setting("24h", "How long Prometheus keeps samples.")
    loki_retention: str = setting("168h", "How long Loki keeps logs.")
    log_agent: Literal["promtail", "alloy"] = setting(
        "promtail", "Log shipper: promtail (end of life since 2026-03-02) or alloy.")
    image_renderer: bool = setting(False, "Deploy Grafana's image renderer for `ca3 evidence`.")
    prometheus_resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "Prometheus container resources.")
    loki_resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "Loki container resources.")
    log_agent_resources: Resources = resources("50m", "64Mi", "200m", "256Mi", "Promtail or Alloy, per node.")
    kafka_exporter_resources: Resources = resources("25m", "32Mi", "100m", "64Mi", "kafka-exporter resources.")
    image_renderer_resources: Resources = resources("250m", "512Mi", "1", "1Gi", "Image renderer (runs Chromium).")


@dataclass(frozen=True)
class Autoscaling:
    """Both tiers' HorizontalPodAutoscalers from milestone 6 (the producer's bounds are under `producer`)."""

    processor: Literal["cpu", "keda"] = setting(
        "cpu", "How the processor scales: cpu (an HPA on CPU) or keda (a KEDA ScaledObject on consumer lag).")
    processor_min_replicas: int = setting(1, "Processor minimum replicas from milestone 6 (before: processor.replicas).")
    processor_max_replicas: int = setting(0, "Processor maximum replicas; 0 means kafka.partitions (one per partition).")
    processor_cpu_target_percent: int = setting(50, "Processor HPA target: average CPU use as a % of the request.")
    processor_lag_threshold: int = setting(500, "KEDA only: consumer lag per processor replica that adds a replica.")
    keda_namespace: str = setting("keda", "KEDA only: namespace of KEDA's operator, which must reach Kafka for lag.")
    scale_up_window_s: int = setting(0, "Scale-up stabilization window; 0 reacts at the next metrics reading.")
    scale_down_window_s: int = setting(60, "Scale-down stabilization window (Kubernetes' default is 300 s).")


@dataclass(frozen=True)
class TLS:
    """Which links use TLS once their milestone is reached."""

    influxdb: bool = setting(True, "HTTPS to InfluxDB from milestone 7.")
    kafka: bool = setting(True, "TLS to Kafka from milestone 8 (the seed marks it optional).")


@dataclass(frozen=True)
class Settings:
    """Everything ca3.yaml can set; defaults give a working local deployment."""

    namespace: str = setting("conveyor-pipeline", "Namespace every object lives in.")
    cluster: Cluster = setting(Cluster(), "Target cluster.")
    images: Images = setting(Images(), "Container images.")
    kafka: Kafka = setting(Kafka(), "Kafka (KRaft) broker.")
    influxdb: InfluxDB = setting(InfluxDB(), "InfluxDB 2 time-series database.")
    producer: Producer = setting(Producer(), "Conveyor reading producer.")
    processor: Processor = setting(Processor(), "Stream processor writing to InfluxDB.")
    grafana: Grafana = setting(Grafana(), "Grafana dashboards.")
    observability: Observability = setting(Observability(), "Metrics and logs.")
    tls: TLS = setting(TLS(), "Transport encryption.")
    autoscaling: Autoscaling = setting(Autoscaling(), "Autoscaling of producer and processor (milestone 6).")

    def image(self, app: str) -> str:
        """The exact image reference the manifests and `ca3 build` share."""
        return f"{self.images.registry}/{app}:{self.images.tag}"


def _env_path(cls: type, rest: str) -> list[str] | None:
    """Split an upper-cased variable tail like `kafka_resources_cpu_limit` into field names of `cls`, or None."""
    for f in sorted(dataclasses.fields(cls), key=lambda f: len(f.name), reverse=True):
        hint = typing.get_type_hints(cls)[f.name]
        if rest == f.name and not dataclasses.is_dataclass(hint):
            return [f.name]
        if rest.startswith(f.name + "_") and dataclasses.is_dataclass(hint):
            tail = _env_path(hint, rest[len(f.name) + 1 :])
            if tail:
                return [f.name, *tail]
    return None


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn CA3_<SECTION>_<KEY> variables (any depth) into a nested mapping shaped like ca3.yaml."""
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith("CA3_") or name in ("CA3_CONFIG", "CA3_HOME"):
            continue
        path = _env_path(Settings, name[4:].lower())
        if path is None:
            raise ConfigError(
                f"Environment variable {name} names no setting; use CA3_<SECTION>_<KEY> as in ca3.yaml, "
                "e.g. CA3_IMAGES_TAG or CA3_KAFKA_RESOURCES_CPU_LIMIT."
            )
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return tree


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping) else value
    return merged


def _quantities(settings: Settings) -> list[tuple[str, str]]:
    """Every storage size and resource quantity, keyed by its ca3.yaml path."""
    found = [("kafka.storage", settings.kafka.storage), ("influxdb.storage", settings.influxdb.storage)]
    for section in dataclasses.fields(settings):
        value = getattr(settings, section.name)
        if not dataclasses.is_dataclass(value):
            continue
        for field_ in dataclasses.fields(value):  # `resources`, and observability's `<component>_resources`
            limits = getattr(value, field_.name)
            if isinstance(limits, Resources):
                found += [(f"{section.name}.{field_.name}.{k}", v) for k, v in dataclasses.asdict(limits).items()]
    return found


def validate(settings: Settings) -> Settings:
    """Check the rules that types alone cannot express; return the settings unchanged when they hold."""
    problems = []
    if not DNS_NAME.match(settings.namespace):
        problems.append("`namespace` must be a DNS label (lower-case letters, digits, '-')")
    if not 30000 <= settings.grafana.node_port <= 32767:
        problems.append("`grafana.node_port` must be within the NodePort range 30000-32767")
    p = settings.producer
    if not 1 <= p.min_replicas <= p.max_replicas:
        problems.append("`producer.min_replicas` must be >= 1 and <= `producer.max_replicas`")
    if settings.kafka.partitions < max(p.max_replicas, settings.processor.replicas):
        problems.append("`kafka.partitions` must be >= the producer's max replicas and the processor's replicas")
    if p.rate_hz <= 0 or p.lines < 1:
        problems.append("`producer.rate_hz` must be > 0 and `producer.lines` >= 1")
    for name in ("prometheus_retention", "loki_retention"):
        if not DURATION.match(getattr(settings.observability, name)):
            problems.append(f"`observability.{name}` must be a duration like 24h or 7d")
    for key, value in _quantities(settings):
        if not QUANTITY.match(value):
            problems.append(f"`{key}` is {value!r} but must be a Kubernetes quantity like 2Gi or 250m")
    if settings.kafka.replicas < 1:
        problems.append("`kafka.replicas` must be >= 1")
    if not JVM_SIZE.match(settings.kafka.heap):
        problems.append("`kafka.heap` must be a JVM size like 512m or 1g")
    a, partitions = settings.autoscaling, settings.kafka.partitions
    if not 1 <= a.processor_min_replicas <= (a.processor_max_replicas or partitions) <= partitions:
        problems.append("`autoscaling.processor_min_replicas` must be >= 1 and <= `autoscaling.processor_max_replicas`, "
                        "which must be <= `kafka.partitions` (0 means kafka.partitions)")
    if not (0 < a.processor_cpu_target_percent and 0 < a.processor_lag_threshold
            and 0 <= a.scale_up_window_s <= 3600 and 0 <= a.scale_down_window_s <= 3600):
        problems.append("`autoscaling` targets must be > 0 and its windows 0-3600 seconds")
    if not DNS_NAME.match(a.keda_namespace):
        problems.append("`autoscaling.keda_namespace` must be a DNS label")
    if problems:
        raise ConfigError("Invalid settings: " + "; ".join(problems) + ". Fix them in ca3.yaml.")
    return settings


def load(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ca3.yaml (defaults when absent), apply CA3_* environment overrides, validate."""
    raw: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML ({exc}). Fix it or run `ca3 init --force`.") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"{path} must hold a mapping of settings. Fix it or run `ca3 init --force`.")
    return parse(_merge(raw, _env_overrides(os.environ if environ is None else environ)))


def parse(raw: Mapping[str, Any]) -> Settings:
    """Settings from a mapping shaped like ca3.yaml (missing keys take defaults), validated."""
    return validate(_build(Settings, raw))


def as_dict(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, for templates and for writing ca3.yaml."""
    return dataclasses.asdict(settings)

