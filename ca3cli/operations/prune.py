"""Objects ca3 manages (label `app.kubernetes.io/managed-by=ca3`): find the ones no longer rendered, and delete them.

PersistentVolumeClaims hold the data, so they are only deleted with `--delete-data`, and never while a rendered
StatefulSet still claims them; `destroy` keeps the objects labelled keep-with-data with them (InfluxDB's auth
Secret, whose tokens its data needs). Objects created by controllers (they carry ownerReferences) are left to their
owners.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ca3cli.core.kubeobjects import AnyObject, PersistentVolumeClaim
from ca3cli.core.objects import (
    DISPOSABLE_SELECTOR,
    KEEP_REASON,
    KEPT_SELECTOR,
    MANAGED_SELECTOR,
    NAME_LABEL,
    KubeObject,
)
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl

# Every namespaced kind ca3 renders, plus the claims its StatefulSets create.
NAMESPACED_KINDS = (
    "deployments.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch", "cronjobs.batch", "services",
    "configmaps", "secrets", "serviceaccounts", "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io", "networkpolicies.networking.k8s.io",
    "horizontalpodautoscalers.autoscaling", "poddisruptionbudgets.policy", "ingresses.networking.k8s.io",
    "persistentvolumeclaims",
)
CLUSTER_KINDS = ("clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io")
CLAIM = "PersistentVolumeClaim"


def claims_in_use(documents: Iterable[dict[str, Any]]) -> list[re.Pattern[str]]:
    """Name patterns of the PVCs rendered StatefulSets create: `<claim template>-<statefulset>-<ordinal>`."""
    patterns = []
    for doc in documents:
        if doc.get("kind") != "StatefulSet":
            continue
        name = doc["metadata"]["name"]
        for template in doc.get("spec", {}).get("volumeClaimTemplates", []):
            patterns.append(re.compile(rf"^{re.escape(template['metadata']['name'])}-{re.escape(name)}-\d+$"))
    return patterns


def leftovers(
    live: Sequence[Mapping[str, Any]], rendered: Sequence[dict[str, Any]], delete_data: bool
) -> list[KubeObject]:
    """Managed live objects that are not rendered any more, minus those pruning must never touch."""
    wanted = {(ref.group, ref.kind, ref.name) for ref in map(KubeObject.of, rendered)}
    in_use = claims_in_use(rendered)
    result = []
    for item in live:
        ref = KubeObject.of(item)
        if (ref.group, ref.kind, ref.name) in wanted or item.get("metadata", {}).get("ownerReferences"):
            continue
        if ref.kind == CLAIM and (not delete_data or any(p.match(ref.name) for p in in_use)):
            continue

        result.append(ref)
    return result


def replaced_jobs(live: Sequence[Mapping[str, Any]], leftover: Sequence[KubeObject],
                  rendered: Sequence[dict[str, Any]]) -> dict[KubeObject, KubeObject]:
    """Leftover Jobs that a rendered Job replaces: same `app.kubernetes.io/name` label, another name (its spec hash
    changed, or it is the unhashed name earlier versions of ca3 used)."""
    new = [KubeObject.of(doc) for doc in rendered if doc.get("kind") == "Job"]
    new_by_label = {job.labels[NAME_LABEL]: job for job in new if job.labels.get(NAME_LABEL)}
    old = [job for job in map(KubeObject.of, live) if job in leftover and job.kind == "Job"]
    return {job: new_by_label[job.labels[NAME_LABEL]] for job in old if job.labels.get(NAME_LABEL) in new_by_label}


def managed(kubectl: Kubectl) -> list[AnyObject]:
    """Every live object labelled managed-by ca3: in the namespace, and the cluster-scoped kinds."""
    namespaced = kuberead.items(kubectl, AnyObject, ",".join(NAMESPACED_KINDS), "-l", MANAGED_SELECTOR)
    cluster = kuberead.items(kubectl, AnyObject, ",".join(CLUSTER_KINDS), "-l", MANAGED_SELECTOR, namespaced=False)
    return [*namespaced, *cluster]


def delete(kubectl: Kubectl, refs: Sequence[KubeObject], server_dry_run: bool = False) -> None:
    """Delete the objects in one kubectl call (`--dry-run=server` only reports what would go)."""
    if not refs:
        return
    dry = ["--dry-run=server"] if server_dry_run else []
    kubectl.run("delete", *(ref.kubectl_name for ref in refs), "--ignore-not-found", "--wait=false", *dry,
                timeout=120, mutating=not server_dry_run)


@dataclass(frozen=True)
class Kept:
    """What `destroy` left for the data: the claims, and the objects the data needs with the reason each gives."""

    claims: list[str] = field(default_factory=list)
    objects: list[tuple[KubeObject, str]] = field(default_factory=list)


def claims(kubectl: Kubectl) -> list[str]:
    """Names of the PersistentVolumeClaims in the namespace (what `destroy` keeps without --delete-data)."""
    found = kuberead.items(kubectl, PersistentVolumeClaim, "persistentvolumeclaims")
    return [item["metadata"]["name"] for item in found]


def kept_with_data(kubectl: Kubectl) -> list[tuple[KubeObject, str]]:
    """The managed objects labelled keep-with-data that are there, each with the reason its annotation gives."""
    items = kuberead.items(kubectl, AnyObject, ",".join(NAMESPACED_KINDS), "-l", KEPT_SELECTOR)
    return [(KubeObject.of(item), (item["metadata"].get("annotations") or {}).get(KEEP_REASON, "")) for item in items]


def destroy(kubectl: Kubectl, namespace: str, delete_data: bool, timeout_s: int = 300) -> Kept:
    """Remove everything ca3 deployed; with `delete_data` the whole namespace (claims included) goes too.

    Returns what was kept for the data (nothing with `delete_data`).
    """
    kubectl.run("delete", ",".join(CLUSTER_KINDS), "-l", MANAGED_SELECTOR, "--ignore-not-found",
                namespaced=False, timeout=120, mutating=True)
    if delete_data:
        kubectl.run("delete", "namespace", namespace, "--ignore-not-found", f"--timeout={timeout_s}s",
                    namespaced=False, timeout=timeout_s + 30, mutating=True)
        return Kept()
    without_claims = [kind for kind in NAMESPACED_KINDS if kind != "persistentvolumeclaims"]
    kubectl.run("delete", ",".join(without_claims), "-l", DISPOSABLE_SELECTOR, "--ignore-not-found",
                f"--timeout={timeout_s}s", timeout=timeout_s + 30, mutating=True)
    return Kept(claims(kubectl), kept_with_data(kubectl))


def kept_lines(kept: Kept, namespace: str) -> list[str]:
    """What `destroy` says it kept and why, one line each; nothing when it kept nothing."""
    lines = []
    if kept.claims:
        lines.append(f"Kept {len(kept.claims)} PersistentVolumeClaim(s) and namespace {namespace}: "
                     f"{', '.join(kept.claims)}.")
    lines += [f"Kept {ref.kind} {ref.name}: {reason or 'the data volumes need it'}." for ref, reason in kept.objects]
    if lines:
        lines.append("`ca3 deploy` carries on with this data; `ca3 destroy --delete-data` removes it all.")
    return lines
