"""Which milestone is deployed: the one `ca3 deploy -m N` records on the namespace (templates/namespace), read here
and nowhere else, so `open`, `status`, `evidence` and `validate` agree on it."""

from __future__ import annotations

from typing import Any

from ca3cli.core import registry
from ca3cli.core.errors import KubectlError
from ca3cli.edges.kube import Kubectl

ANNOTATION = "ca3.dev/milestone"


def recorded(namespace: dict[str, Any]) -> int | None:
    """The milestone in the namespace's annotation, or None when it is absent or not a known milestone."""
    value = (namespace.get("metadata", {}).get("annotations") or {}).get(ANNOTATION, "")
    return int(value) if value.isdigit() and int(value) in registry.MILESTONES else None


def namespace(kubectl: Kubectl, name: str) -> dict[str, Any] | None:
    """The Namespace object, or None when it does not exist; any other kubectl failure is raised."""
    try:
        found: dict[str, Any] = kubectl.get_json("get", "namespace", name, namespaced=False, timeout=15)
    except KubectlError as exc:
        if "NotFound" not in exc.stderr:
            raise
        return None
    return found
