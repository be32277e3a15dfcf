"""What lint rules read and return: rendered objects with where they came from, and findings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ca3cli.core.objects import KubeObject

# Workload kinds and where their pod template sits.
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
VERSIONS = ("1.30", "1.37")  # the Kubernetes versions whose strict schemas every object must pass


@dataclass(frozen=True)
class Finding:
    """One problem: which rule found it, in which object, and a sentence that says what to fix."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


@dataclass(frozen=True)
class PodTemplate:
    """A pod template inside a workload (or a bare Pod), with the labels its pods will carry."""

    owner: KubeObject
    labels: dict[str, str]
    spec: dict[str, Any]

    def containers(self, init: bool = False) -> list[dict[str, Any]]:
        found = list(self.spec.get("containers", []))
        return found + list(self.spec.get("initContainers", [])) if init else found


def dig(doc: Any, *keys: str) -> Any:
    """Follow keys into nested mappings; None as soon as one is missing."""
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def pod_templates(objs: list[KubeObject]) -> Iterator[PodTemplate]:
    """Every pod template of every workload, and every bare Pod."""
    for obj in objs:
        if obj.kind == "Pod":
            yield PodTemplate(obj, dict(dig(obj.doc, "metadata", "labels") or {}), obj.doc.get("spec") or {})
        elif obj.kind in POD_TEMPLATE_PATHS:
            template = dig(obj.doc, *POD_TEMPLATE_PATHS[obj.kind]) or {}
            yield PodTemplate(obj, dict(dig(template, "metadata", "labels") or {}), template.get("spec") or {})


def matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether a label selector (plain map or matchLabels/matchExpressions) selects these labels."""
    if selector is None:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(k) == v for k, v in selector.items())
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    return all(_expression(e, labels) for e in selector.get("matchExpressions") or [])


def _expression(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
    return {
        "In": key in labels and labels[key] in values,
        "NotIn": key not in labels or labels[key] not in values,
        "Exists": key in labels,
        "DoesNotExist": key not in labels,
    }.get(op, False)


def by_kind(objs: list[KubeObject], kind: str) -> dict[str, KubeObject]:
    """Objects of one kind by name."""
    return {o.name: o for o in objs if o.kind == kind}
