"""Policy rules: pinned images, one namespace, NetworkPolicy coverage, probes, Pod Security admission."""

from __future__ import annotations

from typing import Any

from ca3cli.core.lint.model import (
    LONG_RUNNING,
    POD_TEMPLATE_PATHS,
    Finding,
    PodTemplate,
    dig,
    matches,
    pod_templates,
)
from ca3cli.core.objects import KubeObject
from ca3cli.core.podsecurity import rules
from ca3cli.core.podsecurity.namespace import LABEL_PREFIX

CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "APIService", "IngressClass",
}


def _pinned(image: str) -> bool:
    """An image is pinned by digest, or by a tag other than latest on its last path segment."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


def images_pinned(objs: list[KubeObject]) -> list[Finding]:
    """Every container image names an exact tag or digest, never `latest` or nothing."""
    return [
        Finding("image", pod.owner.where, f"container {c.get('name')!r} image {c.get('image')!r} is not pinned; "
                "use an exact version tag.")
        for pod in pod_templates(objs)
        for c in pod.containers(init=True)
        if not _pinned(c.get("image", ""))
    ]


def one_namespace(objs: list[KubeObject]) -> list[Finding]:
    """Every namespaced object sits in the same namespace, the one the rendered Namespace creates."""
    declared = [o.name for o in objs if o.kind == "Namespace"]
    expected = declared[0] if len(declared) == 1 else None
    findings = ([Finding("namespace", "(all files)", f"{len(declared)} Namespaces are rendered; expected exactly one.")]
                if len(declared) > 1 else [])
    for obj in objs:
        if obj.kind in CLUSTER_SCOPED:
            continue
        namespace = dig(obj.doc, "metadata", "namespace")
        if namespace is None or (expected is not None and namespace != expected):
            findings.append(Finding("namespace", obj.where, f"is in namespace {namespace!r}, not {expected!r}."))
        expected = expected or namespace
    return findings


def pods_covered_by_network_policy(objs: list[KubeObject]) -> list[Finding]:
    """Every pod is named by a NetworkPolicy of its own (the empty-selector default deny alone does not count),
    so each workload's allowed edges are written down."""
    selectors = [dig(o.doc, "spec", "podSelector") for o in objs if o.kind == "NetworkPolicy"]
    specific = [s for s in selectors if s]
    return [
        Finding("networkpolicy", pod.owner.where,
                "no NetworkPolicy selects these pods; add one listing their allowed edges.")
        for pod in pod_templates(objs)
        if not any(matches(s, pod.labels) for s in specific)
    ]


def probes_on_long_running(objs: list[KubeObject]) -> list[Finding]:
    """Containers of Deployments, StatefulSets and DaemonSets have readiness and liveness probes."""
    findings = []
    for pod in pod_templates(objs):
        if pod.owner.kind not in LONG_RUNNING:
            continue
        for container in pod.containers():
            missing = [p for p in ("readinessProbe", "livenessProbe") if p not in container]
            if missing:
                findings.append(Finding("probe", pod.owner.where,
                                        f"container {container.get('name')!r} has no {' or '.join(missing)}."))
    return findings


def admitted_pod(pod: PodTemplate) -> dict[str, Any]:
    """What Pod Security admission reads of a pod template: its metadata (AppArmor annotations) and its spec."""
    metadata = dig(pod.owner.doc, *POD_TEMPLATE_PATHS.get(pod.owner.kind, ()), "metadata") or {}
    return {"metadata": metadata, "spec": pod.spec}


def pods_pass_pod_security(objs: list[KubeObject]) -> list[Finding]:
    """Every pod passes the Pod Security level its Namespace enforces, so the API server admits the pods."""
    namespaces = [o for o in objs if o.kind == "Namespace"]
    level = dig(namespaces[0].doc, "metadata", "labels", LABEL_PREFIX + "enforce") if namespaces else None
    if level is None:
        return []
    return [
        Finding("pod-security", pod.owner.where, f"namespace {namespaces[0].name} enforces Pod Security {level!r}, "
                f"which refuses these pods: {violation}. Fix the pod template's securityContext or volumes.")
        for pod in pod_templates(objs)
        for violation in rules.violations(admitted_pod(pod), level)
    ]
