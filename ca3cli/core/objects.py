"""One type for "a Kubernetes object", shared by plan, prune and lint: its identity, and the document behind it.

Two objects are the same object when API version, kind, name and namespace match; where it was rendered to and its
document ride along (not compared), so a rendered object and the live one kubectl returns compare equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NAME_LABEL = "app.kubernetes.io/name"
# templates/_helpers.j2 puts this label on every object ca3 renders; prune, preflight and validate find them by it.
MANAGED_BY, MANAGER = "app.kubernetes.io/managed-by", "ca3"
MANAGED_SELECTOR = f"{MANAGED_BY}={MANAGER}"
# On objects the data volumes cannot do without (InfluxDB's auth Secret holds tokens only its first start creates):
# `destroy` and pruning keep them as long as they keep the volumes; the annotation says why, for the user.
KEEP_WITH_DATA, KEEP_REASON = "ca3.dev/keep-with-data", "ca3.dev/keep-with-data-reason"
KEPT_SELECTOR = f"{MANAGED_SELECTOR},{KEEP_WITH_DATA}=true"
DISPOSABLE_SELECTOR = f"{MANAGED_SELECTOR},{KEEP_WITH_DATA}!=true"


@dataclass(frozen=True)
class KubeObject:
    """A Kubernetes object: identity first, then the file it was rendered to ("" for a live one) and its document."""

    api_version: str
    kind: str
    name: str
    namespace: str = ""
    path: str = field(default="", compare=False)
    doc: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, doc: Mapping[str, Any], path: str = "") -> KubeObject:
        """The object a document (rendered or returned by kubectl) describes."""
        meta = doc.get("metadata") or {}
        return cls(str(doc.get("apiVersion", "")), str(doc.get("kind", "")), str(meta.get("name", "")),
                   str(meta.get("namespace") or ""), path, doc)

    @property
    def group(self) -> str:
        """The API group ("" for the core group), which with kind and name identifies the object."""
        return self.api_version.rpartition("/")[0]

    @property
    def labels(self) -> Mapping[str, str]:
        return (self.doc.get("metadata") or {}).get("labels") or {}

    @property
    def kubectl_name(self) -> str:
        """How kubectl names it unambiguously: `kind.group/name` (`configmap/x`, `deployment.apps/x`)."""
        group = f".{self.group}" if self.group else ""
        return f"{self.kind.lower()}{group}/{self.name}"

    @property
    def where(self) -> str:
        """How lint findings name it: `k8s/kafka/kafka-statefulset.yaml StatefulSet/kafka`."""
        return f"{self.path} {self}".strip()

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"
