"""The settings model behind `ca3.yaml`: typed, validated before anything renders, overridable from the environment.

Environment overrides use `CA3_<SECTION>_<KEY>` in upper case, for example `CA3_IMAGES_TAG=0.2.0` or
`CA3_NAMESPACE=demo`; they win over the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml

from ca3cli.errors import ConfigError

FLAVOURS = ("kind", "minikube", "k3d", "docker-desktop", "other")
LOG_AGENTS = ("promtail", "alloy")
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
DURATION = re.compile(r"^[0-9]+(s|m|h|d|w)$")


@dataclass(frozen=True)
class Resources:
    """Requests and limits for one container (Kubernetes quantities)."""

    cpu_request: str = "50m"
    memory_request: str = "64Mi"
    cpu_limit: str = "250m"
    memory_limit: str = "128Mi"


@dataclass(frozen=True)
class Cluster:
    flavour: Literal["kind", "minikube", "k3d", "docker-desktop", "other"] = "kind"
    context: str = ""  # empty: kubectl's current context
    storage_class: str = ""  # empty: the cluster's default StorageClass


@dataclass(frozen=True)
class Images:
    registry: str = "ca3"  # producer image is <registry>/producer:<tag>
    tag: str = "0.1.0"
    pull_policy: Literal["IfNotPresent", "Always", "Never"] = "IfNotPresent"


@dataclass(frozen=True)
class Kafka:
    partitions: int = 6  # must be >= the processor's max replicas, or extra consumers sit idle
    storage: str = "2Gi"
    resources: Resources = Resources("250m", "768Mi", "1", "1Gi")


@dataclass(frozen=True)
class InfluxDB:
    org: str = "conveyor"
    bucket: str = "conveyor"
    retention: str = "30d"
    storage: str = "2Gi"
    resources: Resources = Resources("100m", "256Mi", "500m", "512Mi")


@dataclass(frozen=True)
class Producer:
    lines: int = 3
    rate_hz: float = 1.0
    min_replicas: int = 1
    max_replicas: int = 5
    cpu_target_percent: int = 50
    resources: Resources = Resources()


@dataclass(frozen=True)
class Processor:
    replicas: int = 1
    batch_size: int = 500
    resources: Resources = Resources("100m", "128Mi", "500m", "256Mi")


@dataclass(frozen=True)
class Grafana:
    node_port: int = 30300
    resources: Resources = Resources("50m", "128Mi", "250m", "256Mi")


@dataclass(frozen=True)
class Observability:
    prometheus_retention: str = "24h"
    loki_retention: str = "168h"
    log_agent: Literal["promtail", "alloy"] = "promtail"  # Promtail is end-of-life since 2026-03-02
    image_renderer: bool = False  # deploy Grafana's image renderer for `ca3 evidence`


@dataclass(frozen=True)
class TLS:
    influxdb: bool = True  # milestone 7 and later
    kafka: bool = True  # milestone 8 and later (the seed marks it optional)


@dataclass(frozen=True)
class Settings:
    namespace: str = "conveyor-pipeline"
    cluster: Cluster = Cluster()
    images: Images = Images()
    kafka: Kafka = Kafka()
    influxdb: InfluxDB = InfluxDB()
    producer: Producer = Producer()
    processor: Processor = Processor()
    grafana: Grafana = Grafana()
    observability: Observability = Observability()
    tls: TLS = TLS()

    def image(self, app: str) -> str:
        """The exact image reference the manifests and `ca3 build` share."""
        return f"{self.images.registry}/{app}:{self.images.tag}"


def _coerce(key: str, hint: Any, value: Any) -> Any:
    """Convert one raw value (YAML or environment string) to the annotated type, or raise a ConfigError."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ConfigError(f"`{key}` must be a mapping of settings, not {value!r}. Fix it in ca3.yaml.")
        return _build(hint, value, key)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ConfigError(f"`{key}` is {value!r}; allowed: {', '.join(allowed)}. Fix it in ca3.yaml.")
        return value
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        if isinstance(value, bool):
            return value
        raise ConfigError(f"`{key}` must be true or false, not {value!r}. Fix it in ca3.yaml.")
    if hint in (int, float):
        try:
            return hint(value) if not isinstance(value, bool) else _fail(key, hint, value)
        except (TypeError, ValueError):
            _fail(key, hint, value)
    if hint is str:
        if isinstance(value, (dict, list)):
            _fail(key, hint, value)
        return "" if value is None else str(value)
    return value


def _fail(key: str, hint: Any, value: Any) -> typing.NoReturn:
    raise ConfigError(f"`{key}` must be a {hint.__name__}, not {value!r}. Fix it in ca3.yaml.")


def _build(cls: type, raw: Mapping[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        where = f"`{prefix}`" if prefix else "the top level"
        raise ConfigError(
            f"Unknown setting {', '.join(f'`{k}`' for k in unknown)} in {where}; known: {', '.join(sorted(names))}."
        )
    values = {name: _coerce(f"{prefix}.{name}".lstrip("."), hints[name], raw[name]) for name in names if name in raw}
    return cls(**values)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn CA3_SECTION_KEY variables into a nested mapping shaped like ca3.yaml."""
    tree: dict[str, Any] = {}
    sections = {f.name: f.type for f in dataclasses.fields(Settings)}
    for name, value in environ.items():
        if not name.startswith("CA3_") or name in ("CA3_CONFIG", "CA3_HOME"):
            continue
        path = name[4:].lower()
        if path in sections:
            tree[path] = value
            continue
        section, _, key = next(
            ((s, "_", path[len(s) + 1 :]) for s in sorted(sections, key=len, reverse=True) if path.startswith(s + "_")),
            (path, "", ""),
        )
        if not key:
            raise ConfigError(f"Environment variable {name} names no setting; use CA3_<SECTION>_<KEY>, e.g. CA3_IMAGES_TAG.")
        tree.setdefault(section, {})[key] = value
    return tree


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping) else value
    return merged


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
    for key, value in (("kafka.storage", settings.kafka.storage), ("influxdb.storage", settings.influxdb.storage)):
        if not QUANTITY.match(value):
            problems.append(f"`{key}` must be a Kubernetes quantity like 2Gi")
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
    raw = _merge(raw, _env_overrides(os.environ if environ is None else environ))
    return validate(_build(Settings, raw))


def as_dict(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, for templates and for writing ca3.yaml."""
    return dataclasses.asdict(settings)

