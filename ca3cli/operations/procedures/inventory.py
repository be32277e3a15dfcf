"""What an operator can point kubectl at beyond what ca3cli/core/topology.py answers: each tier's workload as the
procedures use it (selector, containers, replicas, claims), autoscalers, disruption budgets, network policies and
Prometheus alert rules, all read from the same rendered manifests.

The procedures name only objects found here or in the topology, so they cannot drift from what `ca3 deploy`
creates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ca3cli.core.render import SAFE_LOADER
from ca3cli.core.topology import Topology

# The tiers an operator may lose, and the registry component that deploys each.
TIERS: dict[str, str] = {
    "producer": "producer", "processor": "processor", "kafka": "kafka", "influxdb": "influxdb",
    "grafana": "grafana", "prometheus": "prometheus", "loki": "logging",
}
# kubectl's short resource names of the autoscalers, as the procedures write them.
SHORT = {"HorizontalPodAutoscaler": "hpa", "ScaledObject": "scaledobject"}


@dataclass(frozen=True)
class Workload:
    tier: str
    kind: str
    name: str
    selector: Mapping[str, str]  # the controller's matchLabels: selects exactly its pods
    app: str  # the pods' `app` label, which the log agent copies to Loki's `app` label
    containers: tuple[str, ...]
    replicas: int | None  # None where an autoscaler or the node count decides
    claims: tuple[str, ...]  # volumeClaimTemplates of a StatefulSet
    secrets: tuple[str, ...]  # Secrets its pods mount as volumes (names only)
    ref: str  # `statefulset/kafka`

    @property
    def label_selector(self) -> str:
        return ",".join(f"{key}={value}" for key, value in self.selector.items())


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    summary: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Inventory:
    namespace: str
    workloads: Mapping[str, Workload]  # by tier
    others: tuple[Workload, ...]  # workloads that are no tier of their own (kafka-exporter, the log agent)
    autoscalers: tuple[tuple[str, str], ...]  # (kind, name)
    budgets: tuple[str, ...]
    policies: tuple[str, ...]
    alerts: tuple[Alert, ...]
    tls_secrets: tuple[str, ...]  # Secrets of type kubernetes.io/tls (names only; `ca3 certs` fills them)

    def readers(self, secrets: Iterable[str]) -> tuple[Workload, ...]:
        """Every workload whose pods mount one of `secrets`."""
        wanted = set(secrets)
        return tuple(w for w in (*self.workloads.values(), *self.others) if wanted & set(w.secrets))


def _workload(tier: str, component: str, names: Topology) -> Workload:
    """The component's workload as the procedures use it, from the topology's answers and its rendered spec."""
    spec = names.workload_object(component)["spec"]
    workload = names.workload(component)
    return Workload(
        tier=tier, kind=names.workload_object(component)["kind"], name=workload.name,
        selector=dict(spec["selector"]["matchLabels"]),
        app=names.pod_labels(component).get("app", workload.name),
        containers=tuple(c["name"] for c in spec["template"]["spec"]["containers"]),
        replicas=spec.get("replicas"),
        claims=tuple(t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", ())),
        secrets=names.mounted_secrets(component),
        ref=workload.ref,
    )


def _alerts(documents: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Alerting rules in any ConfigMap file that is a Prometheus rule file (a `groups:` list of rules)."""
    found = []
    for doc in documents:
        if doc.get("kind") != "ConfigMap":
            continue
        for text in (doc.get("data") or {}).values():
            try:
                parsed = yaml.load(text, Loader=SAFE_LOADER)
            except yaml.YAMLError:
                continue
            groups = parsed.get("groups") if isinstance(parsed, dict) else None
            for group in groups if isinstance(groups, list) else ():
                for rule in group.get("rules", ()) if isinstance(group, dict) else ():
                    if isinstance(rule, dict) and "alert" in rule:
                        annotations = rule.get("annotations") or {}
                        found.append(Alert(str(rule["alert"]), str(rule.get("expr", "")),
                                           str(annotations.get("summary", annotations.get("description", ""))),
                                           {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}))
    return found


def inventory(namespace: str, names: Topology) -> Inventory:
    """Read what the procedures may name, beyond the topology's answers, from one milestone's rendered objects."""
    components = {component: tier for tier, component in TIERS.items()}
    workloads: dict[str, Workload] = {}
    others: list[Workload] = []
    for component in names.workload_components():
        tier = components.get(component)
        # The tier's own workload: the one named like the tier (Loki's is named loki in component logging).
        if tier is not None and names.workload(component).name == tier:
            workloads[tier] = _workload(tier, component, names)
        else:
            others.append(_workload(component, component, names))

    def named(*kinds: str) -> list[tuple[str, str]]:
        return [(doc["kind"], doc["metadata"]["name"]) for doc in names.objects() if doc["kind"] in kinds]

    return Inventory(
        namespace=namespace,
        workloads=workloads,
        others=tuple(others),
        autoscalers=tuple(named("HorizontalPodAutoscaler", "ScaledObject")),
        budgets=tuple(name for _, name in named("PodDisruptionBudget")),
        policies=tuple(name for _, name in named("NetworkPolicy")),
        alerts=tuple(_alerts(names.objects(kind="ConfigMap"))),
        tls_secrets=names.tls_secrets(),
    )
