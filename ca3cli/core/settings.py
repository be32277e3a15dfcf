"""The settings model behind `ca3.yaml`: typed, constrained, validated before anything renders.

Each field's description is the comment `ca3 init` writes above it and its description in the JSON Schema. Values
come from ca3.yaml (read by ca3cli.core.settings_file), then `CA3_<SECTION>_<KEY>` environment variables
(ca3cli.core.settings_env), then command-line options; every problem becomes one sentence (ca3cli.core.settings_errors).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ca3cli.core import settings_env, settings_file
from ca3cli.core.grammar import (
    NOT_BOOL,
    Context,
    DnsLabel,
    ImageReference,
    ImageTag,
    InfluxDuration,
    InfluxName,
    JvmHeap,
    PrometheusDuration,
    Quantity,
    RegistryPrefix,
    StorageClass,
    quantity_value,
)
from ca3cli.core.imagetag import APP_VERSION
from ca3cli.core.settings_errors import BrokenRules, Origin, Origins, Problem, describe

# Counts refuse booleans (YAML reads `yes` as true, which pydantic would take as 1).
Brokers = Annotated[int, NOT_BOOL, Field(ge=1, le=9)]
Partitions = Annotated[int, NOT_BOOL, Field(ge=1, le=1000)]
Pods = Annotated[int, NOT_BOOL, Field(ge=1, le=100)]
Lines = Annotated[int, NOT_BOOL, Field(ge=1, le=1000)]  # the producer app's bounds for PRODUCER_LINES
Rate = Annotated[float, NOT_BOOL, Field(ge=0.01, le=1000, allow_inf_nan=False)]  # and for PRODUCER_RATE_HZ
Percent = Annotated[int, NOT_BOOL, Field(ge=1, le=500)]
BatchSize = Annotated[int, NOT_BOOL, Field(ge=1, le=100_000)]  # the processor's bounds for KAFKA_MAX_POLL_RECORDS
NodePort = Annotated[int, NOT_BOOL, Field(ge=30000, le=32767)]


class Section(BaseModel):
    """Frozen, no unknown keys, and a partial nested section keeps this field's own defaults for the rest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _keep_field_defaults(cls, data: Any) -> Any:
        # `kafka: {resources: {cpu_limit: 2}}` keeps Kafka's own memory defaults, not those of a bare Resources().
        if not isinstance(data, Mapping):
            return data
        merged = dict(data)
        for name, info in cls.model_fields.items():
            if isinstance(info.default, BaseModel) and isinstance(data.get(name), Mapping):
                merged[name] = {**info.default.model_dump(), **data[name]}
        return merged


def setting(default: Any, doc: str) -> Any:
    """A field with the comment `ca3 init` writes above it (and the schema's description)."""
    return Field(default, description=doc)


class Resources(Section):
    """Requests and limits for one container (Kubernetes quantities); a request never exceeds its limit."""

    cpu_request: Quantity = setting("50m", "CPU the scheduler reserves; the HPA's utilisation is measured against it.")
    memory_request: Quantity = setting("64Mi", "Memory the scheduler reserves.")
    cpu_limit: Quantity = setting("250m", "CPU ceiling; above it the container is throttled.")
    memory_limit: Quantity = setting("128Mi", "Memory ceiling; above it the container is OOM-killed.")

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        problems: list[Problem] = [
            (f"{kind}_request", getattr(self, f"{kind}_request"),
             f"at most its limit {kind}_limit ({getattr(self, f'{kind}_limit')!r})",
             (f"{kind}_limit",))
            for kind in ("cpu", "memory")
            if quantity_value(getattr(self, f"{kind}_request")) > quantity_value(getattr(self, f"{kind}_limit"))
        ]
        if problems:
            raise BrokenRules(problems)
        return self


def resources(cpu_request: str, memory_request: str, cpu_limit: str, memory_limit: str, doc: str) -> Any:
    """A Resources field with its own defaults."""
    return setting(Resources(cpu_request=cpu_request, memory_request=memory_request, cpu_limit=cpu_limit,
                             memory_limit=memory_limit), doc)


class Cluster(Section):
    """Which cluster ca3 talks to."""

    flavour: Literal["kind", "minikube", "k3d", "docker-desktop", "other"] = setting(
        "kind", "Local cluster kind; decides how images are loaded and how Grafana's NodePort is reached.")
    context: Context = setting("", "Kube context; empty means kubectl's current context.")
    storage_class: StorageClass = setting(
        "", "StorageClass for Kafka and InfluxDB volumes; empty means the cluster default.")


class Images(Section):
    """Image references; every tag is exact, never latest."""

    registry: RegistryPrefix = setting("ca3", "Registry prefix of the app images: <registry>/producer:<tag>.")
    tag: ImageTag | None = setting(
        None, "Tag of the producer and processor images that `ca3 build` produces and the manifests run. Unset "
        "(null): <version>-<digest of the app's build context>, so `ca3 build && ca3 deploy` after a code change "
        "rolls the pods onto the new image. Set it for images built and pushed elsewhere.")
    pull_policy: Literal["IfNotPresent", "Always", "Never"] = setting(
        "IfNotPresent", "imagePullPolicy of the app images (IfNotPresent works with images loaded into kind).")
    kafka: ImageReference = setting("apache/kafka:4.3.1", "Kafka broker image (KRaft mode).")
    influxdb: ImageReference = setting(
        "influxdb:2.9.1", "InfluxDB 2 image; `influxdb:latest` is InfluxDB 3, so pin 2.x.")
    grafana: ImageReference = setting("grafana/grafana:13.2.0", "Grafana image.")
    prometheus: ImageReference = setting(
        "prom/prometheus:v3.13.3", "Prometheus image (3.13 is a long-term support line).")
    kafka_exporter: ImageReference = setting(
        "danielqsj/kafka-exporter:v1.9.0", "kafka-exporter image (consumer group lag).")
    loki: ImageReference = setting("grafana/loki:3.7.4", "Loki image (single binary).")
    promtail: ImageReference = setting(
        "grafana/promtail:3.6.11", "Promtail image: the last release (end of life 2026-03-02).")
    alloy: ImageReference = setting(
        "grafana/alloy:v1.18.1", "Grafana Alloy image, the log agent that replaces Promtail.")
    image_renderer: ImageReference = setting(
        "grafana/grafana-image-renderer:v5.12.0", "Grafana's image renderer (evidence).")


class Kafka(Section):
    """The Kafka StatefulSet and its topic."""

    replicas: Brokers = setting(1, "Brokers (each also a KRaft controller); use 1 or 3.")
    partitions: Partitions = setting(
        6, "Partitions of conveyor-speed; >= the processor's replicas or extra consumers idle.")
    storage: Quantity = setting("2Gi", "Size of each broker's PersistentVolumeClaim.")
    heap: JvmHeap = setting("512m", "JVM heap (-Xms/-Xmx) of each broker; keep it about half the memory limit.")
    resources: Resources = resources("250m", "768Mi", "1", "1Gi", "Broker container resources.")


class InfluxDB(Section):
    """The InfluxDB 2 StatefulSet and its initial organisation and bucket."""

    admin_user: InfluxName = setting("admin", "InfluxDB admin user created at first start (password is generated).")
    org: InfluxName = setting("conveyor", "Organisation created at first start.")
    bucket: InfluxName = setting("conveyor", "Bucket the processor writes to.")
    retention: InfluxDuration = setting("30d", "Bucket retention (InfluxDB duration, e.g. 30d).")
    storage: Quantity = setting("2Gi", "Size of the InfluxDB PersistentVolumeClaim.")
    resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "InfluxDB container resources.")


class Producer(Section):
    """The producer Deployment and its HorizontalPodAutoscaler."""

    lines: Lines = setting(3, "Conveyor lines each producer pod simulates.")
    rate_hz: Rate = setting(1.0, "Readings per second per line.")
    min_replicas: Pods = setting(1, "HPA minimum replicas.")
    max_replicas: Pods = setting(5, "HPA maximum replicas.")
    cpu_target_percent: Percent = setting(
        50, "HPA target: average CPU use as a percentage of the CPU request.")
    resources: Resources = setting(Resources(), "Producer container resources.")

    @model_validator(mode="after")
    def _min_within_max(self) -> Producer:
        if self.min_replicas > self.max_replicas:
            raise BrokenRules([("min_replicas", self.min_replicas, f"at most max_replicas ({self.max_replicas})",
                            ("max_replicas",))])
        return self


class Processor(Section):
    """The processor Deployment (consumer group `processor`)."""

    replicas: Pods = setting(1, "Processor pods; at most kafka.partitions of them receive partitions.")
    batch_size: BatchSize = setting(500, "Readings written to InfluxDB per batch.")
    resources: Resources = resources("100m", "128Mi", "500m", "256Mi", "Processor container resources.")


class Grafana(Section):
    """The Grafana Deployment."""

    node_port: NodePort = setting(30300, "NodePort of grafana-service (30000-32767).")
    resources: Resources = resources("50m", "128Mi", "250m", "256Mi", "Grafana container resources.")


class Observability(Section):
    """Prometheus, Loki and the log agent (milestones 2-5)."""

    prometheus_retention: PrometheusDuration = setting("24h", "How long Prometheus keeps samples.")
    loki_retention: PrometheusDuration = setting("168h", "How long Loki keeps logs.")
    log_agent: Literal["promtail", "alloy"] = setting(
        "promtail", "Log shipper: promtail (end of life since 2026-03-02) or alloy.")
    image_renderer: bool = setting(False, "Deploy Grafana's image renderer (panel images for sharing and alerts; "
                                   "`ca3 evidence` does not need it).")
    prometheus_resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "Prometheus container resources.")
    loki_resources: Resources = resources("100m", "256Mi", "500m", "512Mi", "Loki container resources.")
    log_agent_resources: Resources = resources("50m", "64Mi", "200m", "256Mi", "Promtail or Alloy, per node.")
    kafka_exporter_resources: Resources = resources("25m", "32Mi", "100m", "64Mi", "kafka-exporter resources.")
    image_renderer_resources: Resources = resources("250m", "512Mi", "1", "1Gi", "Image renderer (runs Chromium).")


class Autoscaling(Section):
    """Both tiers' HorizontalPodAutoscalers from milestone 6 (the producer's bounds are under `producer`)."""

    processor: Literal["cpu", "keda"] = setting(
        "cpu", "How the processor scales: cpu (an HPA on CPU) or keda (a KEDA ScaledObject on consumer lag).")
    processor_min_replicas: Pods = setting(
        1, "Processor minimum replicas from milestone 6 (before: processor.replicas).")
    processor_max_replicas: Annotated[int, NOT_BOOL, Field(ge=0, le=100)] = setting(
        0, "Processor maximum replicas; 0 means kafka.partitions (one per partition).")
    processor_cpu_target_percent: Percent = setting(50, "Processor HPA target: average CPU use as a % of the request.")
    processor_lag_threshold: Annotated[int, NOT_BOOL, Field(ge=1, le=1_000_000)] = setting(
        500, "Consumer lag per processor replica that adds one (KEDA); the lag alert fires above it too.")
    keda_namespace: DnsLabel = setting(
        "keda", "KEDA only: namespace of KEDA's operator, which must reach Kafka for lag.")
    scale_up_window_s: Annotated[int, NOT_BOOL, Field(ge=0, le=3600)] = setting(
        0, "Scale-up stabilization window; 0 reacts at the next metrics reading.")
    scale_down_window_s: Annotated[int, NOT_BOOL, Field(ge=0, le=3600)] = setting(
        60, "Scale-down stabilization window (Kubernetes' default is 300 s).")


class TLS(Section):
    """Which links use TLS once their milestone is reached, and the certificates `ca3 certs` issues for them."""

    influxdb: bool = setting(True, "HTTPS to InfluxDB from milestone 7.")
    kafka: bool = setting(True, "TLS to Kafka from milestone 8 (the seed marks it optional).")
    kafka_client_auth: Literal["none", "required"] = setting(
        "none", "required: Kafka's client listener also demands a client certificate from our CA (mutual TLS).")
    min_version: Literal["1.2", "1.3"] = setting(
        "1.2", "Lowest TLS version InfluxDB and Kafka accept (1.3 alone works with every client ca3 deploys).")
    ca_days: Annotated[int, NOT_BOOL, Field(ge=30, le=36500)] = setting(
        3650, "Validity of the private CA `ca3 certs` creates, in days; `--rotate` keeps it.")
    cert_days: Annotated[int, NOT_BOOL, Field(ge=1, le=825)] = setting(
        365, "Validity of each server and client certificate, in days; `ca3 certs --rotate` renews them.")


class Settings(Section):
    """Everything ca3.yaml can set; defaults give a working local deployment."""

    model_config = ConfigDict(title="ca3.yaml")

    namespace: DnsLabel = setting("conveyor-pipeline", "Namespace every object lives in.")
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
    # Each app's tag from its build context's content (ca3cli.core.imagetag), used while `images.tag` is unset.
    _content_tags: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _enough_partitions(self) -> Settings:
        producers, processors = self.producer.max_replicas, self.processor.replicas
        if self.kafka.partitions < max(producers, processors):
            allowed = f"at least producer.max_replicas ({producers}) and processor.replicas ({processors})"
            raise BrokenRules([("kafka.partitions", self.kafka.partitions, allowed,
                                ("producer.max_replicas", "processor.replicas"))])
        return self

    @model_validator(mode="after")
    def _processor_bounds_within_partitions(self) -> Settings:
        scaling, partitions = self.autoscaling, self.kafka.partitions
        most = scaling.processor_max_replicas or partitions
        if most > partitions:
            raise BrokenRules([("autoscaling.processor_max_replicas", scaling.processor_max_replicas,
                                f"0 (meaning kafka.partitions) or at most kafka.partitions ({partitions}): a consumer "
                                "beyond the partitions idles", ("kafka.partitions",))])
        if scaling.processor_min_replicas > most:
            raise BrokenRules([("autoscaling.processor_min_replicas", scaling.processor_min_replicas,
                                f"at most the processor's maximum ({most})",
                                ("autoscaling.processor_max_replicas", "kafka.partitions"))])
        return self

    def image(self, app: str) -> str:
        """The exact image reference the manifests and `ca3 build` share: `images.tag` when set, else the tag of the
        app's content, else (no apps/ to read, as in a wheel without the repository) the bare app version."""
        tag = self.images.tag or self._content_tags.get(app, APP_VERSION)
        return f"{self.images.registry}/{app}:{tag}"

    @property
    def app_version(self) -> str:
        """The apps' version label: `images.tag` when set, else the version the content tags start with."""
        return self.images.tag or APP_VERSION

    def with_content_tags(self, tags: Mapping[str, str]) -> Settings:
        """These settings with each app's content tag, for `image` to use while `images.tag` is unset."""
        tagged = self.model_copy()
        tagged._content_tags = dict(tags)
        return tagged


def parse(raw: Mapping[str, Any], origins: Origins | None = None) -> Settings:
    """Settings from a mapping shaped like ca3.yaml (missing keys take defaults); ConfigError names every problem."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise describe(exc, origins or Origins(), Settings) from None


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def load(path: Path | None, environ: Mapping[str, str] | None = None, *, explicit: bool = False, context: str = "",
         warn: Callable[[str], None] = _warn) -> Settings:
    """ca3.yaml (defaults when the default file is absent), then CA3_* variables, then `--context`, validated.

    `explicit` says the path was chosen (--config or CA3_CONFIG), so a missing file is an error, not the defaults.
    """
    raw, origins = settings_file.read(path, explicit=explicit) if path is not None else ({}, Origins())
    found = settings_env.overrides(os.environ if environ is None else environ, Settings)
    for name in found.ignored:
        warn(f"Ignoring environment variable {name}: it names no ca3 setting (those are CA3_<SECTION>_<KEY>, "
             "e.g. CA3_IMAGES_TAG).")
    raw, origins = settings_env.merge(raw, found.values), origins.updated(found.origins)
    if context:
        raw = settings_env.merge(raw, {"cluster": {"context": context}})
        origins = origins.updated({("cluster", "context"): Origin.option("--context")})
    return parse(raw, origins)
