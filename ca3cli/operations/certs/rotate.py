"""Putting new certificates into the cluster and restarting exactly the workloads that read them.

Who reads a Secret or the CA ConfigMap is derived from the rendered manifests (volumes, projected sources, env
references), never from a list kept by hand; every call goes through ca3cli/edges/kube.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ca3cli.core import registry, render
from ca3cli.core.errors import Ca3Error, status_reason
from ca3cli.core.kubeobjects import Workload
from ca3cli.core.topology import WORKLOAD_KINDS
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl, reason
from ca3cli.operations.certs.names import CA_CONFIGMAP, wanted
from ca3cli.operations.certs.store import CA
from ca3cli.operations.deploy import APPLY_TIMEOUT_S, FIELD_MANAGER, stream

if TYPE_CHECKING:
    from ca3cli.core.render import Manifest
    from ca3cli.core.settings import Settings


def _references(pod: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(Secret names, ConfigMap names) a pod spec reads, through volumes and container environments."""
    secrets: set[str] = set()
    configmaps: set[str] = set()
    for volume in pod.get("volumes", []):
        secrets.add((volume.get("secret") or {}).get("secretName", ""))
        configmaps.add((volume.get("configMap") or {}).get("name", ""))
        for source in (volume.get("projected") or {}).get("sources", []):
            secrets.add((source.get("secret") or {}).get("name", ""))
            configmaps.add((source.get("configMap") or {}).get("name", ""))
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        for var in container.get("env", []):
            ref = var.get("valueFrom") or {}
            secrets.add((ref.get("secretKeyRef") or {}).get("name", ""))
            configmaps.add((ref.get("configMapKeyRef") or {}).get("name", ""))
        for source in container.get("envFrom", []):
            secrets.add((source.get("secretRef") or {}).get("name", ""))
            configmaps.add((source.get("configMapRef") or {}).get("name", ""))
    return secrets - {""}, configmaps - {""}


def consumers(manifests: Iterable[Manifest], secrets: set[str], configmaps: set[str]) -> list[str]:
    """`kind/name` of every rendered workload whose pods read one of `secrets` or `configmaps`, in render order."""
    found = []
    for doc in (d for m in manifests for d in m.documents if d.get("kind") in WORKLOAD_KINDS):
        read_secrets, read_configmaps = _references(doc["spec"]["template"]["spec"])
        if read_secrets & secrets or read_configmaps & configmaps:
            found.append(f"{doc['kind'].lower()}/{doc['metadata']['name']}")
    return found


def changed_objects(settings: Settings, changed: Iterable[str]) -> tuple[set[str], set[str]]:
    """The Secrets (and, when the CA itself changed, the CA ConfigMap) that new certificates `changed` replace."""
    names = set(changed)
    secrets = {spec.secret for spec in wanted(settings) if spec.name in names or CA in names}
    return secrets, {CA_CONFIGMAP} if CA in names else set()


def namespace_exists(kubectl: Kubectl, namespace: str) -> bool:
    """Whether ca3's namespace exists; a cluster that does not answer is an error, not "nothing deployed"."""
    result = kubectl.run("get", "namespace", namespace, "-o", "name", check=False, namespaced=False)
    if result.returncode == 0:
        return True
    if status_reason(result.stderr) == "NotFound":
        return False
    raise Ca3Error(f"The cluster did not answer ({reason(result.stderr) or 'no output'}). The new certificates are "
                   "kept in .ca3/certs/; run `ca3 certs --rotate` again once `kubectl cluster-info` works.")


def apply_tls_objects(kubectl: Kubectl, manifests: Iterable[Manifest]) -> list[str]:
    """Server-side apply of the TLS component's objects (Secrets travel on stdin only), as deploy applies them."""
    tls = tuple(m for m in manifests if m.component == "tls")
    result = kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-",
                         input=stream(tls), timeout=APPLY_TIMEOUT_S, mutating=True)
    return result.stdout.strip().splitlines()


def present(kubectl: Kubectl) -> set[str]:
    """`kind/name` of the workloads that exist in the namespace now."""
    found = kuberead.items(kubectl, Workload, ",".join(kind.lower() + "s" for kind in WORKLOAD_KINDS))
    return {f"{item.get('kind', '').lower()}/{item['metadata']['name']}" for item in found}


def rotate_in_cluster(kubectl: Kubectl, settings: Settings, values: Mapping[str, str],
                      changed: Iterable[str]) -> list[str] | None:
    """Apply the new TLS objects and restart their readers; None when nothing is deployed to this namespace."""
    if not namespace_exists(kubectl, settings.namespace):
        return None
    manifests = render.render(settings, values, registry.HIGHEST)
    apply_tls_objects(kubectl, manifests)
    secrets, configmaps = changed_objects(settings, changed)
    running = present(kubectl)
    restart = [name for name in consumers(manifests, secrets, configmaps) if name in running]
    if restart:
        kubectl.run("rollout", "restart", *restart, mutating=True)
    return restart
