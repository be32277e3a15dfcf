"""Preflight: before anything is applied, prove the cluster is reachable and can run the stack.

Checks: kubectl on PATH, the context answers and its server is new enough, a StorageClass for the PVCs, no other
Service holds the NodePorts ca3 asks for, and metrics-server for the HPA (a warning that says how to install it for the
cluster flavour, not an error). Each catches up front what the API server or a controller would refuse later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ca3cli.core import metrics_server
from ca3cli.core.errors import Ca3Error, ClusterUnreachable, KubectlError, KubectlTimeout
from ca3cli.core.kubeobjects import APIService, KubeList, Namespace, Service, StorageClass, Version
from ca3cli.core.objects import MANAGED_BY, MANAGER
from ca3cli.core.podsecurity import owners
from ca3cli.core.podsecurity.namespace import EXCEPTION_ANNOTATION, LABEL_PREFIX
from ca3cli.edges import kube, kuberead
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.localcluster import INSECURE_TLS_PATCH

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
METRICS_API = "v1beta1.metrics.k8s.io"
OLDEST_TESTED = (1, 30)  # manifests are validated against Kubernetes 1.30 and 1.37
# Kafka's KAFKA_NODE_ID reads the apps.kubernetes.io/pod-index label, which StatefulSet pods carry from 1.28 on.
REQUIRED = (1, 28)
METRICS_SERVER_FLAVOURS = ("kind", "minikube", "k3d", "docker-desktop")  # each with its own way to install it
REQUEST_TIMEOUT = "15s"  # kubectl's own limit per API request
VERSION_TIMEOUT_S = 30.0  # ours, in case kubectl itself hangs (e.g. an exec credential plugin waiting)


def metrics_server_hint(flavour: str, version: tuple[int, int]) -> str:
    """How to install metrics-server on this flavour, with the newest release supporting Kubernetes `version`."""
    release = metrics_server.release_for(version)
    if release is None:
        return (f"no metrics-server release in ca3's table supports Kubernetes {version[0]}.{version[1]}; pick one "
                f"from {metrics_server.SOURCE}.")
    apply = f"`kubectl apply -f {metrics_server.manifest(release)}` (metrics-server {release}, the newest for " \
            f"Kubernetes {version[0]}.{version[1]}: {metrics_server.SOURCE})"
    patch = f"`kubectl -n kube-system patch deployment metrics-server --type=json -p '{INSECURE_TLS_PATCH}'`"
    return {
        "kind": f"kind ships no metrics-server: {apply}, then add `--kubelet-insecure-tls` to its args (kind's "
                f"kubelets serve self-signed certificates; local clusters only): {patch} (`ca3 cluster create` makes "
                "a kind cluster with it).",
        "minikube": "run `minikube addons enable metrics-server`.",
        "k3d": "k3d (k3s) ships metrics-server; check that it was not disabled (`--disable=metrics-server`) and that "
               "`kubectl -n kube-system get deployment metrics-server` is ready.",
        "docker-desktop": f"Docker Desktop ships no metrics-server: {apply}, then add `--kubelet-insecure-tls` to "
                          f"its args as for kind: {patch}.",
    }.get(flavour, f"{apply}.")


@dataclass(frozen=True)
class Check:
    """One preflight result: `warn` lets the deploy go on, `fail` stops it."""

    name: str
    status: Literal["ok", "warn", "fail"]
    message: str


def server_version(document: Version | None) -> tuple[int, int, str]:
    """(major, minor, gitVersion) from `kubectl version -o json`; EKS/GKE minors like "27+" are read as 27."""
    server = (document or {}).get("serverVersion") or {}
    try:
        major = int(re.sub(r"\D", "", server["major"]))
        minor = int(re.sub(r"\D", "", server["minor"]))
    except (KeyError, ValueError) as exc:
        raise Ca3Error("`kubectl version -o json` printed no server version. Check the context with "
                       "`kubectl cluster-info`.") from exc
    return major, minor, server.get("gitVersion", f"v{major}.{minor}")


def version_check(document: Version | None) -> Check:
    """The server version: too old for the manifests stops, older than validated against warns."""
    major, minor, git_version = server_version(document)
    if (major, minor) < REQUIRED:
        return Check("server version", "fail", f"Kubernetes {git_version} is older than 1.28: its StatefulSet pods "
                     "carry no apps.kubernetes.io/pod-index label, from which each Kafka broker takes its node id, so "
                     "Kafka would not start. Upgrade the cluster to 1.28 or newer, or choose another with "
                     "`ca3 --context NAME ...`.")
    if (major, minor) < OLDEST_TESTED:
        return Check("server version", "warn", f"Kubernetes {git_version} is older than 1.30, the oldest version "
                     "ca3's manifests are validated against; upgrade the cluster if applying fails.")
    return Check("server version", "ok", f"Kubernetes {git_version}")


def is_default(storage_class: StorageClass) -> bool:
    """Whether a StorageClass carries the default-class annotation (current or beta name)."""
    annotations = storage_class["metadata"].get("annotations") or {}
    return any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)


def storage_class_check(document: KubeList[StorageClass] | None, wanted: str) -> Check:
    """The StorageClass the PVCs will use: the one set in ca3.yaml, else the cluster's default."""
    classes = {item["metadata"]["name"]: item for item in (document["items"] if document else [])}
    if wanted:
        if wanted in classes:
            return Check("storage class", "ok", f"{wanted} (from ca3.yaml)")
        return Check("storage class", "fail", f"StorageClass {wanted!r} from ca3.yaml does not exist (the cluster "
                     f"has: {', '.join(sorted(classes)) or 'none'}). Fix `cluster.storage_class` in ca3.yaml.")
    defaults = [name for name, item in classes.items() if is_default(item)]
    if defaults:
        return Check("storage class", "ok", f"{defaults[0]} (cluster default)")
    return Check("storage class", "fail", "The cluster has no default StorageClass, so the Kafka and InfluxDB "
                 "volumes would stay Pending. Set `cluster.storage_class` in ca3.yaml to one of: "
                 f"{', '.join(sorted(classes)) or 'none (install a provisioner)'}, or mark one default with "
                 "`kubectl patch storageclass NAME -p "
                 "'{\"metadata\":{\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}}}'`.")


def install_hint(flavour: str, version: tuple[int, int]) -> str:
    """"To install it on kind: ..." (or "To install it: ..." when the flavour says nothing about the cluster)."""
    where = f" on {flavour}" if flavour in METRICS_SERVER_FLAVOURS else ""
    return f"To install it{where}: {metrics_server_hint(flavour, version)}"


def metrics_check(document: APIService | None, flavour: str, version: tuple[int, int]) -> Check:
    """metrics-server behind the HPA: a missing or unavailable metrics API is a warning with the fix for the flavour
    and the release that supports the server's version."""
    hint = metrics_server_hint(flavour, version)
    if document is None:
        return Check("metrics-server", "warn", "metrics-server is not installed, so the producer's HPA cannot read "
                     f"CPU and will not scale. {install_hint(flavour, version)}")
    available = [c for c in (document.get("status") or {}).get("conditions", []) if c.get("type") == "Available"]
    if available and available[0].get("status") == "True":
        return Check("metrics-server", "ok", "metrics API available")
    reason = available[0].get("message", "no Available condition") if available else "no Available condition"
    where = f"On {flavour}" if flavour in METRICS_SERVER_FLAVOURS else "To fix it"
    return Check("metrics-server", "warn", f"metrics-server is installed but its API is not available ({reason}), "
                 f"so the HPA will not scale. {where}: {hint}")


def wanted_node_ports(settings: Settings) -> dict[int, str]:
    """The NodePorts ca3's Services ask for, each with the ca3.yaml key that chooses it."""
    return {settings.grafana.node_port: "grafana.node_port"}


def node_port_holders(document: KubeList[Service] | None, namespace: str) -> dict[int, str]:
    """Allocated NodePorts and the Service holding each (`namespace/name`), leaving out ca3's own in `namespace`
    (applying them again keeps their ports)."""
    held = {}
    for service in document["items"] if document else []:
        meta = service["metadata"]
        if meta.get("namespace") == namespace and (meta.get("labels") or {}).get(MANAGED_BY) == MANAGER:
            continue
        for port in (service.get("spec") or {}).get("ports") or []:
            if port.get("nodePort"):
                held[port["nodePort"]] = f"{meta.get('namespace')}/{meta['name']}"
    return held


def node_port_check(document: KubeList[Service] | None, namespace: str, wanted: dict[int, str]) -> Check:
    """Each NodePort ca3 asks for is free: the API server refuses a Service whose port another one holds."""
    if document is None:
        return Check("node ports", "warn", "Services in other namespaces cannot be listed with this context, so a "
                     "NodePort already allocated would only show when applying. Ask for `list services` at the "
                     "cluster scope to have it checked.")
    held = node_port_holders(document, namespace)
    taken = [port for port in wanted if port in held]
    if not taken:
        return Check("node ports", "ok", f"{', '.join(map(str, wanted))} free")
    owners = "; ".join(f"NodePort {port} is already allocated to Service {held[port]}" for port in taken)
    keys = " and ".join(f"`{wanted[port]}`" for port in taken)
    return Check("node ports", "fail", f"{owners}, so the API server would refuse ca3's Service (\"provided port is "
                 f"already allocated\"). Set {keys} in ca3.yaml to a free port in 30000-32767 (allocated now: "
                 f"{', '.join(map(str, sorted(held)))}), or delete that Service.")


KEDA_CRD = "scaledobjects.keda.sh"


def keda_check(kubectl: Kubectl) -> Check:
    """With `autoscaling.processor: keda`, KEDA's ScaledObject CRD must exist, or applying the processor fails."""
    found = kubectl.run("get", "crd", KEDA_CRD, "-o", "name", "--ignore-not-found", namespaced=False).stdout.strip()
    if found:
        return Check("KEDA", "ok", f"CRD {KEDA_CRD} installed")
    return Check("KEDA", "fail", f"`autoscaling.processor: keda` needs KEDA, but CRD {KEDA_CRD} is not installed. "
                 "Install KEDA (`helm install keda kedacore/keda --namespace keda --create-namespace`, see "
                 "https://keda.sh/docs/deploy/) or set `autoscaling.processor: cpu` in ca3.yaml.")


def pod_security_check(live: Namespace | None, rendered: Mapping[str, Any], take_over: bool) -> Check:
    """The live namespace's Pod Security labels: those another field manager set to other values than ca3 applies
    stop the deploy (server-side apply would refuse them) unless `--take-over-labels` makes ca3 their owner."""
    meta = rendered.get("metadata") or {}
    name, labels = meta.get("name", ""), meta.get("labels") or {}
    wanted = {key: value for key, value in labels.items() if key.startswith(LABEL_PREFIX)}
    foreign = owners.foreign_labels(live, wanted, MANAGER)
    if not foreign:
        return Check("pod security labels", "ok", f"namespace {name} does not exist yet" if not live else
                     f"namespace {name}: no other field manager holds them at other values")
    listed = "; ".join(map(str, foreign))
    if take_over:
        return Check("pod security labels", "warn", f"namespace {name}: {listed}. --take-over-labels: ca3 applies "
                     "its namespace with force, so it owns these labels from now on.")
    why = (meta.get("annotations") or {}).get(EXCEPTION_ANNOTATION) or "every pod of the stack passes restricted"
    removal = " ".join(f"{label.key}-" for label in foreign)
    return Check("pod security labels", "fail", f"namespace {name}'s Pod Security labels were set by someone else: "
                 f"{listed}; ca3 sets them from what its pods need ({why}), and server-side apply would refuse to "
                 "change labels another manager set. Run `ca3 deploy --take-over-labels` to make ca3 their owner, or "
                 f"remove them first (`kubectl label namespace {name} {removal}`).")


def reachable(kubectl: Kubectl) -> Version:
    """`kubectl version -o json`: the first call, turned into a clear sentence when the cluster does not answer.

    Every command that talks to the cluster starts here, so all of them fail with the same sentence, naming the
    context that was actually used.
    """
    try:
        return kuberead.version(kubectl, f"--request-timeout={REQUEST_TIMEOUT}", timeout=VERSION_TIMEOUT_S)
    except KubectlTimeout as exc:
        context = kubectl.context or current_context(kubectl)
        raise ClusterUnreachable(f"The cluster of context {_named(kubectl, context)} did not answer within "
                                 f"{VERSION_TIMEOUT_S:g}s. "
                                 "Start it, or choose another context with `ca3 --context NAME ...`.", context) from exc
    except KubectlError as exc:
        context = kubectl.context or current_context(kubectl)
        reason = kube.reason(exc.stderr or exc.stdout) or f"exit code {exc.returncode}"
        raise ClusterUnreachable(f"Cannot reach the cluster of context {_named(kubectl, context)}: {reason}. Start "
                                 "the cluster, or choose another context with `ca3 --context NAME ...` "
                                 "(`kubectl config get-contexts` lists them).", context) from exc


def current_context(kubectl: Kubectl) -> str:
    """The name of the kubeconfig's current context, or "" when it sets none (or kubectl cannot say)."""
    try:
        current = kubectl.run("config", "current-context", namespaced=False, check=False, timeout=10)
    except Ca3Error:
        return ""
    return current.stdout.strip() if current.returncode == 0 else ""


def _named(kubectl: Kubectl, context: str) -> str:
    """How messages name the context: the chosen one, the current one, or that there is none."""
    if kubectl.context:
        return f"`{kubectl.context}`"
    return f"`{context}` (the current context)" if context else "(none: the kubeconfig sets no current context)"


def _metrics_api(kubectl: Kubectl) -> APIService | None:
    """The metrics APIService, or None when it is not registered (`--ignore-not-found` prints nothing)."""
    return kuberead.maybe(kubectl, APIService, "apiservice", METRICS_API, "--ignore-not-found", namespaced=False)


def _services(kubectl: Kubectl) -> KubeList[Service] | None:
    """Services in every namespace, or None when the context may not list them (a namespace-scoped user)."""
    try:
        return kuberead.listing(kubectl, Service, "services", "--all-namespaces", namespaced=False)
    except KubectlError as exc:
        if exc.status_reason == "Forbidden":
            return None
        raise


def run(kubectl: Kubectl, settings: Settings, namespace: Mapping[str, Any] | None = None,
        take_over_labels: bool = False) -> list[Check]:
    """Every preflight check, in order (the Pod Security labels' owners when given the rendered `namespace`); raises
    ClusterUnreachable (or KubectlNotFound) when nothing can be checked."""
    version = reachable(kubectl)
    checks = [version_check(version)]
    classes = kuberead.listing(kubectl, StorageClass, "storageclasses", namespaced=False)
    checks.append(storage_class_check(classes, settings.cluster.storage_class))
    checks.append(node_port_check(_services(kubectl), settings.namespace, wanted_node_ports(settings)))
    major, minor, _ = server_version(version)
    checks.append(metrics_check(_metrics_api(kubectl), settings.cluster.flavour, (major, minor)))
    if settings.autoscaling.processor == "keda":
        checks.append(keda_check(kubectl))
    if namespace is not None:
        live = kuberead.maybe(kubectl, Namespace, "namespace", namespace["metadata"]["name"],
                              "--show-managed-fields", "--ignore-not-found", namespaced=False)
        checks.append(pod_security_check(live, namespace, take_over_labels))
    return checks


def failures(checks: list[Check]) -> list[Check]:
    """The checks that stop a deploy."""
    return [check for check in checks if check.status == "fail"]
