"""The local cluster `ca3 up` and `ca3 cluster create` make, per flavour, as data: its config and each step's argv.

It has what the milestones need: Grafana's NodePort reachable on the host, a CNI that enforces NetworkPolicies,
metrics-server for the producer's HPA, a default StorageClass and a Ready node. Nothing here runs anything;
ca3cli/operations/up.py runs the steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ca3cli.core import metrics_server
from ca3cli.core.errors import ConfigError
from ca3cli.operations.build import Step

NAME = "ca3"
FLAVOURS = ("kind", "k3d", "minikube")

# Every version a local cluster runs, pinned here only (check the link before bumping one).
# kind v0.33.0's node image for Kubernetes 1.37.0, by digest as kind's release notes ask:
# https://github.com/kubernetes-sigs/kind/releases/tag/v0.33.0
KIND_NODE_IMAGE = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
KIND_KUBERNETES = (1, 37)  # that image's Kubernetes (a test checks they agree)
# k3s for k3d (https://github.com/k3s-io/k3s/releases/tag/v1.37.0%2Bk3s1). k3s embeds metrics-server, a default
# local-path StorageClass and a NetworkPolicy controller (https://docs.k3s.io/networking/networking-services).
K3S_IMAGE = "rancher/k3s:v1.37.0-k3s1"
# Calico replaces kindnet on kind: kindnet enforces policies since kind 0.24 but not on every kernel
# (https://github.com/kubernetes-sigs/kind/issues/3789). Manifest install:
# https://docs.tigera.io/calico/latest/getting-started/kubernetes/self-managed-onprem/onpremises
CALICO_VERSION = "v3.32.2"
CALICO_MANIFEST = f"https://raw.githubusercontent.com/projectcalico/calico/{CALICO_VERSION}/manifests/calico.yaml"
CALICO_POD_SUBNET = "192.168.0.0/16"  # the default IP pool of that manifest
# metrics-server for kind: the newest release supporting the node image's Kubernetes (ca3cli/core/metrics_server.py).
METRICS_SERVER_VERSION = metrics_server.release_for(KIND_KUBERNETES) or metrics_server.RELEASES[0][1]
METRICS_SERVER_MANIFEST = metrics_server.manifest(METRICS_SERVER_VERSION)
# minikube pins its own Calico (`--cni=calico`) and metrics-server addon per minikube release
# (https://minikube.sigs.k8s.io/docs/handbook/network_policy/).
WAIT_TIMEOUT_S = 300
WAIT_TIMEOUT = f"{WAIT_TIMEOUT_S}s"

# kind's kubelets serve self-signed certificates, so metrics-server may skip verifying them (local clusters only).
INSECURE_TLS_PATCH = json.dumps([{"op": "add", "path": "/spec/template/spec/containers/0/args/-",
                                  "value": "--kubelet-insecure-tls"}])


def check_flavour(flavour: str) -> str:
    """The flavour, if ca3 can create a cluster of it; Docker Desktop and other clusters are made elsewhere."""
    if flavour not in FLAVOURS:
        raise ConfigError(f"ca3 creates kind, k3d or minikube clusters, not {flavour!r}. Pass --flavour kind, k3d or "
                          "minikube (or set `cluster.flavour` in ca3.yaml); for Docker Desktop, enable Kubernetes in "
                          "its settings instead.")
    return flavour


def context_name(flavour: str) -> str:
    """The kube context the flavour's tool writes for the cluster named NAME."""
    return {"kind": f"kind-{NAME}", "k3d": f"k3d-{NAME}", "minikube": NAME}[check_flavour(flavour)]


def tools(flavour: str) -> list[str]:
    """The programs the create steps run: the flavour's own tool, then kubectl."""
    return [check_flavour(flavour), "kubectl"]


def kind_config(node_port: int) -> dict[str, Any]:
    """kind's Cluster config: the pinned node image, NodePort on the host, and no kindnet (Calico comes next)."""
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "networking": {"disableDefaultCNI": True, "podSubnet": CALICO_POD_SUBNET},
        "nodes": [{
            "role": "control-plane",
            "image": KIND_NODE_IMAGE,
            "extraPortMappings": [{"containerPort": node_port, "hostPort": node_port, "protocol": "TCP"}],
        }],
    }


def kubectl(description: str, *args: str) -> Step:
    """A step run through ca3's one kubectl runner (ca3cli/edges/kube.py) against the new cluster."""
    return Step(["kubectl", *args], description)


@dataclass(frozen=True)
class Await:
    """A wait ca3 does itself, as deploy does: it polls the live object (kstatus rules, ca3cli/core/readiness.py) and
    fails within one poll of a final cause such as ImagePullBackOff or an unschedulable pod (ca3cli/core/blockers.py),
    showing it, instead of `kubectl rollout status` / `kubectl wait` running out their timeout."""

    resource: str  # `daemonset/calico-node`; NODES for every node Ready
    description: str
    namespace: str = "kube-system"
    timeout_s: int = WAIT_TIMEOUT_S
    input: str | None = None

    @property
    def argv(self) -> list[str]:
        """What is polled, as the progress line shows it."""
        scope = [] if self.resource == NODES else ["--namespace", self.namespace]
        return ["kubectl", "get", self.resource, *scope, "-o", "json"]


NODES = "nodes"
ClusterStep = Step | Await


def rollout(kind_name: str) -> Await:
    return Await(kind_name, f"wait until {kind_name} in kube-system is ready")


NODE_READY = Await(NODES, "wait until every node is Ready")


def _kind(node_port: int) -> list[ClusterStep]:
    config = json.dumps(kind_config(node_port), indent=2)  # JSON is YAML: kind reads it as its config
    return [
        Step(["kind", "create", "cluster", "--name", NAME, "--config=-"],
             f"create kind cluster {NAME} (Kubernetes 1.37, NodePort {node_port} on localhost)", input=config),
        kubectl(f"install Calico {CALICO_VERSION}, which enforces NetworkPolicies", "apply", "--server-side",
                "-f", CALICO_MANIFEST),
        rollout("daemonset/calico-node"),
        NODE_READY,
        kubectl(f"install metrics-server {METRICS_SERVER_VERSION}", "apply", "--server-side", "-f",
                METRICS_SERVER_MANIFEST),
        kubectl("let metrics-server accept kind's self-signed kubelet certificates (--kubelet-insecure-tls)",
                "patch", "deployment", "metrics-server", "--namespace", "kube-system", "--type=json",
                "-p", INSECURE_TLS_PATCH),
        rollout("deployment/metrics-server"),
    ]


def _k3d(node_port: int) -> list[ClusterStep]:
    return [
        Step(["k3d", "cluster", "create", NAME, "--image", K3S_IMAGE, "-p", f"{node_port}:{node_port}@server:0",
              "--wait", "--timeout", WAIT_TIMEOUT],
             f"create k3d cluster {NAME} (k3s {K3S_IMAGE.split(':')[1]} with metrics-server and network policies, "
             f"NodePort {node_port} on localhost)"),
        NODE_READY,
    ]


def _minikube(node_port: int) -> list[ClusterStep]:
    return [
        Step(["minikube", "start", "-p", NAME, "--driver=docker", "--cni=calico", "--wait=all"],
             f"start minikube profile {NAME} with Calico, which enforces NetworkPolicies"),
        Step(["minikube", "addons", "enable", "metrics-server", "-p", NAME], "enable the metrics-server addon"),
        NODE_READY,
    ]


def create_steps(flavour: str, node_port: int) -> list[ClusterStep]:
    """Every step that makes the cluster, in order; kubectl steps run against `context_name(flavour)`."""
    return {"kind": _kind, "k3d": _k3d, "minikube": _minikube}[check_flavour(flavour)](node_port)


def delete_step(flavour: str) -> Step:
    """The one command that deletes the cluster and its data."""
    argv = {"kind": ["kind", "delete", "cluster", "--name", NAME], "k3d": ["k3d", "cluster", "delete", NAME],
            "minikube": ["minikube", "delete", "-p", NAME]}[check_flavour(flavour)]
    return Step(argv, f"delete {flavour} cluster {NAME}")
