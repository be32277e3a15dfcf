"""The milestone registry: the one table that maps milestone -> components -> templates -> verification criteria.

Every command reads this table: `render` and `deploy` take the components of milestones 1..N, `deploy` orders them
by `depends_on` and waits on their `waits`, and `validate` runs the criteria of milestones 1..N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ca3cli.errors import ConfigError
from ca3cli.settings import Settings

HIGHEST = 9


@dataclass(frozen=True)
class Wait:
    """How deploy knows a component is ready: `kubectl rollout status` unless `condition` names a `kubectl wait`."""

    resource: str  # e.g. "statefulset/kafka", "job/kafka-topic-create"
    timeout_s: int = 300
    condition: str = ""  # e.g. "condition=complete" for a Job


@dataclass(frozen=True)
class Component:
    """One deployable part of the stack: its templates (in templates/<name>/) and where they land (k8s/<folder>/)."""

    name: str
    folder: str
    templates: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    waits: tuple[Wait, ...] = ()
    enabled: Callable[[Settings], bool] = field(default=lambda settings: True, compare=False)


@dataclass(frozen=True)
class Criterion:
    """One verification criterion of the seed plan that `ca3 validate` checks live."""

    id: str
    milestone: int
    text: str


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    components: tuple[str, ...]


COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        # Milestone 1: the baseline stack (templates listed by the component's owner as they are written).
        Component("namespace", "", ("namespace.yaml",)),
        Component("secrets", "secrets", (), depends_on=("namespace",)),
        Component("network", "network", (), depends_on=("namespace",)),
        Component("kafka", "kafka", (), depends_on=("namespace", "secrets")),
        Component("influxdb", "influxdb", (), depends_on=("namespace", "secrets")),
        Component("producer", "producer", (), depends_on=("kafka",)),
        Component("processor", "processor", (), depends_on=("kafka", "influxdb")),
        Component("grafana", "grafana", (), depends_on=("influxdb",)),
        # Milestones 2-5: observability.
        Component("prometheus", "prometheus", (), depends_on=("namespace",)),
        Component("kafka-exporter", "kafka-exporter", (), depends_on=("kafka",)),
        Component("logging", "logging", (), depends_on=("namespace",)),
    )
}

MILESTONES: dict[int, Milestone] = {
    m.number: m
    for m in (
        Milestone(1, "Foundation setup", ("namespace", "secrets", "network", "kafka", "influxdb", "producer", "processor", "grafana")),
        Milestone(2, "Prometheus deployment", ("prometheus",)),
        Milestone(3, "Application metrics instrumentation", ("kafka-exporter",)),
        Milestone(4, "Enhanced Grafana dashboards", ()),
        Milestone(5, "Centralized logging (Loki + Promtail)", ("logging",)),
        Milestone(6, "Load testing and HPA validation", ()),
        Milestone(7, "TLS for InfluxDB", ()),
        Milestone(8, "TLS for Kafka", ()),
        Milestone(9, "Resilience testing", ()),
    )
}

# Filled by `ca3 validate`'s owner: every checkable criterion of the seed plan, milestone 1..9.
CRITERIA: tuple[Criterion, ...] = ()


def check_milestone(number: int) -> int:
    """Return `number` when it names a milestone, else raise a ConfigError that lists the valid ones."""
    if number not in MILESTONES:
        raise ConfigError(f"Unknown milestone {number}; choose one of 1-{HIGHEST}.")
    return number


def components_for(number: int, settings: Settings) -> list[Component]:
    """The enabled components of milestones 1..number, in registry order."""
    wanted = {name for m in range(1, check_milestone(number) + 1) for name in MILESTONES[m].components}
    return [c for c in COMPONENTS.values() if c.name in wanted and c.enabled(settings)]


def criteria_for(number: int) -> list[Criterion]:
    """The verification criteria of milestones 1..number."""
    return [c for c in CRITERIA if c.milestone <= check_milestone(number)]


def features(settings: Settings, number: int) -> dict[str, bool]:
    """What milestone `number` switches on, for templates that change as milestones add to them."""
    return {
        "prometheus": number >= 2,
        "app_metrics": number >= 3,
        "dashboards": number >= 4,
        "logging": number >= 5,
        "tls_influxdb": number >= 7 and settings.tls.influxdb,
        "tls_kafka": number >= 8 and settings.tls.kafka,
    }
