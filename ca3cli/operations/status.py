"""`ca3 status` as data: pod and HPA rows from kubectl's JSON, and how to reach Grafana on each cluster flavour."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from ca3cli.core.kubeobjects import HorizontalPodAutoscaler, HpaStatus, Metric, Node, Pod, Service
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import preflight, services
from ca3cli.operations.build import cluster_name

if TYPE_CHECKING:
    from ca3cli.core import topology
    from ca3cli.core.settings import Settings


@dataclass(frozen=True)
class Status:
    pods: list[tuple[str, str, str, str]]  # name, ready, status, restarts (as `kubectl get pods` shows them)
    autoscalers: list[tuple[str, str, str, str, str]]  # name, target, cpu now/target, min-max, replicas
    grafana: list[str]  # ways to open Grafana, best first


def pod_status(pod: Pod) -> str:
    """The STATUS column of `kubectl get pods`: a waiting/terminated reason when there is one, else the phase."""
    status = pod.get("status", {})
    for container in status.get("containerStatuses") or []:
        state = container.get("state", {})
        reason = (state.get("waiting") or {}).get("reason")
        if reason:
            return reason
        terminated = state.get("terminated")
        if terminated and status.get("phase") != "Succeeded":
            return terminated.get("reason", "Terminated")
    return status.get("phase", "Unknown")


def pod_rows(pods: list[Pod]) -> list[tuple[str, str, str, str]]:
    rows = []
    for pod in pods:
        containers = pod.get("status", {}).get("containerStatuses") or []
        ready = sum(1 for c in containers if c.get("ready"))
        restarts = sum(c.get("restartCount", 0) for c in containers)
        rows.append((pod["metadata"]["name"], f"{ready}/{len(containers)}", pod_status(pod), str(restarts)))
    return rows


def cpu_utilization(metrics: list[Metric], field: Literal["target", "current"]) -> int | None:
    """The CPU `averageUtilization` in an HPA's spec metrics (`target`) or status metrics (`current`)."""
    for metric in metrics:
        resource = metric.get("resource")
        if metric.get("type") == "Resource" and resource and resource.get("name") == "cpu":
            return (resource.get(field) or {}).get("averageUtilization")
    return None


HPA_NOT_YET: HpaStatus = {"desiredReplicas": 0}  # the controller has not written a status yet


def hpa_rows(autoscalers: list[HorizontalPodAutoscaler]) -> list[tuple[str, str, str, str, str]]:
    """Rows like `kubectl get hpa`: the CPU reading is `<unknown>` until metrics-server reports one."""
    rows = []
    for hpa in autoscalers:
        spec, status = hpa["spec"], hpa.get("status") or HPA_NOT_YET
        now = cpu_utilization(status.get("currentMetrics") or [], "current")
        target = cpu_utilization(spec.get("metrics") or [], "target")
        ref = spec["scaleTargetRef"]
        rows.append((hpa["metadata"]["name"], f"{ref.get('kind')}/{ref.get('name')}",
                     f"{'<unknown>' if now is None else f'{now}%'}/{'-' if target is None else f'{target}%'}",
                     f"{spec.get('minReplicas', 1)}-{spec.get('maxReplicas')}", str(status.get("currentReplicas", 0))))
    return rows


def grafana_access(settings: Settings, grafana: topology.Service, node_ip: str = "",
                   context: str | None = None) -> list[str]:
    """How to open Grafana's Service (its name, port and NodePort) on this flavour; a port-forward comes last.

    `context` (default: the settings' one) names the minikube profile when it is not the default `minikube`.
    """
    ns, port, name = settings.namespace, grafana.node_port, grafana.name
    profile = cluster_name("minikube", settings.cluster.context if context is None else context)
    profile_flag = f" -p {profile}" if profile and profile != "minikube" else ""
    forward = (f"`kubectl -n {ns} port-forward {grafana.target} {grafana.port}:{grafana.port}`, "
               f"then http://localhost:{grafana.port}")
    by_flavour = {
        "kind": [f"http://localhost:{port} if the kind cluster maps it (extraPortMappings: containerPort {port}, "
                 f"hostPort {port} in the kind config)"],
        "minikube": [f"`minikube service {name} -n {ns} --url{profile_flag}` prints the URL"],
        "k3d": [f"http://localhost:{port} if the cluster was created with `-p \"{port}:{port}@server:0\"`"],
        "docker-desktop": [f"http://localhost:{port} (Docker Desktop publishes NodePorts on localhost)"],
        "other": [f"http://{node_ip or 'NODE_IP'}:{port} (any node's address)"],
    }
    return [*by_flavour[settings.cluster.flavour], forward]


def node_address(nodes: list[Node]) -> str:
    """The first node's InternalIP (what a NodePort is reached on when nothing maps it to localhost)."""
    for node in nodes:
        for address in node.get("status", {}).get("addresses", []):
            if address.get("type") == "InternalIP":
                return str(address["address"])
    return ""


def _node_port(service: Service, default: int) -> int:
    for port in service.get("spec", {}).get("ports", []):
        if port.get("nodePort"):
            return int(port["nodePort"])
    return default


def collect(kubectl: Kubectl, settings: Settings) -> Status:
    """Pods, HPAs and Grafana's address (its Service as the deployed milestone renders it), after checking the
    cluster answers."""
    preflight.reachable(kubectl)
    pods = pod_rows(kuberead.items(kubectl, Pod, "pods"))
    autoscalers = hpa_rows(kuberead.items(kubectl, HorizontalPodAutoscaler, "horizontalpodautoscalers.autoscaling"))
    rendered = services.deployed(kubectl, settings).service(services.GRAFANA)
    service = kuberead.maybe(kubectl, Service, "service", rendered.name, "--ignore-not-found")
    grafana: list[str] = []
    if service is not None:
        live = replace(rendered, node_port=_node_port(service, rendered.node_port))
        other = settings.cluster.flavour == "other"
        node_ip = node_address(kuberead.items(kubectl, Node, "nodes", namespaced=False)) if other else ""
        grafana = grafana_access(settings, live, node_ip)
    return Status(pods, autoscalers, grafana)
