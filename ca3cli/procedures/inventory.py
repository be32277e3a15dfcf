"""What an operator can point kubectl at, read from the rendered manifests: each tier's workload, its labels and
containers, Services, autoscalers, disruption budgets, network policies and Prometheus alert rules.

The procedures name only objects found here, so they cannot drift from what `ca3 deploy` creates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ca3cli.render import SAFE_LOADER, Manifest

# The tiers an operator may lose, and the registry component that deploys each.
TIERS: dict[str, str] = {
    "producer": "producer", "processor": "processor", "kafka": "kafka", "influxdb": "influxdb",
    "grafana": "grafana", "prometheus": "prometheus", "loki": "logging",
}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# kubectl's short resource names, as the procedures write them.
SHORT = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset",
         "HorizontalPodAutoscaler": "hpa", "ScaledObject": "scaledobject"}


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

    @property
    def ref(self) -> str:
        return f"{SHORT[self.kind]}/{self.name}"

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
    services: Mapping[str, tuple[str, ...]]  # by component
    autoscalers: tuple[tuple[str, str], ...]  # (kind, name)
    budgets: tuple[str, ...]
    policies: tuple[str, ...]
    alerts: tuple[Alert, ...]
    tls_secrets: tuple[str, ...]  # Secrets of type kubernetes.io/tls (names only; `ca3 certs` fills them)

    def readers(self, secrets: Iterable[str]) -> tuple[Workload, ...]:
        """Every workload whose pods mount one of `secrets`."""
        wanted = set(secrets)
        return tuple(w for w in (*self.workloads.values(), *self.others) if wanted & set(w.secrets))


def _workload(tier: str, doc: Mapping[str, Any]) -> Workload:
    spec = doc["spec"]
    template = spec["template"]
    return Workload(
        tier=tier, kind=doc["kind"], name=doc["metadata"]["name"],
        selector=dict(spec["selector"]["matchLabels"]),
        app=template["metadata"]["labels"].get("app", doc["metadata"]["name"]),
        containers=tuple(c["name"] for c in template["spec"]["containers"]),
        replicas=spec.get("replicas"),
        claims=tuple(t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", ())),
        secrets=tuple(_mounted_secrets(template["spec"].get("volumes", ()))),
    )


def _mounted_secrets(volumes: Iterable[Mapping[str, Any]]) -> list[str]:
    names = []
    for volume in volumes:
        if "secret" in volume:
            names.append(volume["secret"]["secretName"])
        for source in (volume.get("projected") or {}).get("sources", ()):
            if "secret" in source:
                names.append(source["secret"]["name"])
    return names


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


def inventory(namespace: str, manifests: Iterable[Manifest]) -> Inventory:
    """Read what the procedures may name from one milestone's rendered manifests."""
    documents = [(m.component, doc) for m in manifests for doc in m.documents]
    components = {component: tier for tier, component in TIERS.items()}
    workloads: dict[str, Workload] = {}
    others: list[Workload] = []
    services: dict[str, list[str]] = {}
    for component, doc in documents:
        kind, name = doc["kind"], doc["metadata"]["name"]
        tier = components.get(component)
        # The tier's own workload: the one named like the tier (Loki's is named loki in component logging).
        if kind in WORKLOAD_KINDS and tier is not None and name == tier:
            workloads[tier] = _workload(tier, doc)
        elif kind in WORKLOAD_KINDS:
            others.append(_workload(component, doc))
        elif kind == "Service":
            services.setdefault(component, []).append(name)
    return Inventory(
        namespace=namespace,
        workloads=workloads,
        others=tuple(others),
        services={component: tuple(names) for component, names in services.items()},
        autoscalers=tuple((d["kind"], d["metadata"]["name"]) for _, d in documents
                          if d["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")),
        budgets=tuple(d["metadata"]["name"] for _, d in documents if d["kind"] == "PodDisruptionBudget"),
        policies=tuple(d["metadata"]["name"] for _, d in documents if d["kind"] == "NetworkPolicy"),
        alerts=tuple(_alerts(doc for _, doc in documents)),
        tls_secrets=tuple(d["metadata"]["name"] for _, d in documents
                          if d["kind"] == "Secret" and d.get("type") == "kubernetes.io/tls"),
    )
