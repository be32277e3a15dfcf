"""Which milestone is deployed: the one `ca3 deploy -m N` records on the namespace (templates/namespace), read here
and nowhere else, so `open`, `status`, `evidence` and `validate` agree on it."""

from __future__ import annotations

from ca3cli.core import registry
from ca3cli.core.errors import KubectlError
from ca3cli.core.kubeobjects import Namespace
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl

ANNOTATION = "ca3.dev/milestone"


def recorded(namespace: Namespace | None) -> int | None:
    """The milestone in the namespace's annotation, or None when it (or the namespace) is absent or not a known
    milestone."""
    value = ((namespace["metadata"].get("annotations") or {}) if namespace else {}).get(ANNOTATION, "")
    return int(value) if value.isdigit() and int(value) in registry.MILESTONES else None


def namespace(kubectl: Kubectl, name: str) -> Namespace | None:
    """The Namespace object, or None when it does not exist; any other kubectl failure is raised."""
    try:
        return kuberead.one(kubectl, Namespace, "namespace", name, namespaced=False, timeout=15)
    except KubectlError as exc:
        if exc.status_reason != "NotFound":
            raise
        return None
