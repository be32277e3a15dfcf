"""The local cluster as data: kind's config, each flavour's steps, and the versions they pin."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from ca3cli.core import metrics_server
from ca3cli.core.errors import ConfigError
from ca3cli.operations import build, localcluster
from ca3cli.operations.localcluster import NAME


def words(flavour: str, port: int = 30300) -> list[str]:
    """Each step as one line of its argv, for order and flag assertions."""
    return [" ".join(step.argv) for step in localcluster.create_steps(flavour, port)]


def test_kind_config_maps_the_grafana_node_port_to_the_same_port_on_the_host() -> None:
    [node] = localcluster.kind_config(31234)["nodes"]
    assert node["role"] == "control-plane"
    assert node["extraPortMappings"] == [{"containerPort": 31234, "hostPort": 31234, "protocol": "TCP"}]


def test_kind_config_replaces_kindnet_with_calicos_default_pod_pool_and_pins_the_node_image_by_digest() -> None:
    config = localcluster.kind_config(30300)
    assert (config["kind"], config["apiVersion"]) == ("Cluster", "kind.x-k8s.io/v1alpha4")
    assert config["networking"] == {"disableDefaultCNI": True, "podSubnet": "192.168.0.0/16"}
    assert re.fullmatch(r"kindest/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}", config["nodes"][0]["image"])


def test_kind_create_reads_the_config_on_stdin_as_yaml() -> None:
    create = localcluster.create_steps("kind", 30400)[0]
    assert create.argv == ["kind", "create", "cluster", "--name", NAME, "--config=-"]
    assert yaml.safe_load(create.input or "") == localcluster.kind_config(30400)


def test_kind_steps_install_calico_then_wait_for_the_node_then_metrics_server_with_kubelet_insecure_tls() -> None:
    assert words("kind")[1:] == [
        f"kubectl apply --server-side -f {localcluster.CALICO_MANIFEST}",
        "kubectl get daemonset/calico-node --namespace kube-system -o json",
        "kubectl get nodes -o json",
        f"kubectl apply --server-side -f {localcluster.METRICS_SERVER_MANIFEST}",
        "kubectl patch deployment metrics-server --namespace kube-system --type=json "
        f"-p {localcluster.INSECURE_TLS_PATCH}",
        "kubectl get deployment/metrics-server --namespace kube-system -o json",
    ]
    waits = [step for step in localcluster.create_steps("kind", 30300) if isinstance(step, localcluster.Await)]
    assert [(w.resource, w.timeout_s) for w in waits] == [
        ("daemonset/calico-node", 300), (localcluster.NODES, 300), ("deployment/metrics-server", 300)]
    assert json.loads(localcluster.INSECURE_TLS_PATCH) == [
        {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--kubelet-insecure-tls"}]


def test_k3d_create_maps_the_node_port_on_server_0_pins_k3s_and_keeps_its_policy_controller_and_metrics() -> None:
    create, ready = localcluster.create_steps("k3d", 30300)
    assert create.argv == ["k3d", "cluster", "create", NAME, "--image", localcluster.K3S_IMAGE,
                           "-p", "30300:30300@server:0", "--wait", "--timeout", "300s"]
    assert not [arg for arg in create.argv if "disable" in arg]  # k3s's network policy controller, metrics-server
    assert ready == localcluster.NODE_READY


def test_minikube_starts_with_calico_and_enables_the_metrics_server_addon_in_profile_ca3() -> None:
    assert words("minikube") == [
        f"minikube start -p {NAME} --driver=docker --cni=calico --wait=all",
        f"minikube addons enable metrics-server -p {NAME}",
        "kubectl get nodes -o json",
    ]


@pytest.mark.parametrize(("flavour", "context"), [("kind", "kind-ca3"), ("k3d", "k3d-ca3"), ("minikube", "ca3")])
def test_the_context_each_tool_writes_names_the_cluster_image_loading_uses(flavour: str, context: str) -> None:
    assert localcluster.context_name(flavour) == context
    assert build.cluster_name(flavour, context) == NAME


@pytest.mark.parametrize("flavour", localcluster.FLAVOURS)
def test_tools_checked_before_creating_are_exactly_the_programs_the_steps_run(flavour: str) -> None:
    assert set(localcluster.tools(flavour)) == {step.argv[0] for step in localcluster.create_steps(flavour, 30300)}


@pytest.mark.parametrize(("flavour", "argv"), [
    ("kind", ["kind", "delete", "cluster", "--name", NAME]),
    ("k3d", ["k3d", "cluster", "delete", NAME]),
    ("minikube", ["minikube", "delete", "-p", NAME]),
])
def test_delete_step_per_flavour_removes_only_the_cluster_named_ca3(flavour: str, argv: list[str]) -> None:
    assert localcluster.delete_step(flavour).argv == argv


@pytest.mark.parametrize("flavour", ["docker-desktop", "other"])
def test_flavours_ca3_cannot_create_are_refused_with_the_choices(flavour: str) -> None:
    with pytest.raises(ConfigError, match="Pass --flavour kind, k3d or minikube"):
        localcluster.create_steps(flavour, 30300)


def test_calico_k3s_and_metrics_server_are_pinned_to_exact_releases() -> None:
    assert re.fullmatch(r"rancher/k3s:v1\.\d+\.\d+-k3s\d+", localcluster.K3S_IMAGE)
    assert re.fullmatch(r"v3\.\d+\.\d+", localcluster.CALICO_VERSION)
    assert f"/calico/{localcluster.CALICO_VERSION}/manifests/" in localcluster.CALICO_MANIFEST
    assert re.fullmatch(r"v\d+\.\d+\.\d+", localcluster.METRICS_SERVER_VERSION)
    assert f"/download/{localcluster.METRICS_SERVER_VERSION}/" in localcluster.METRICS_SERVER_MANIFEST


def test_cluster_create_installs_the_metrics_server_release_for_the_kind_node_images_kubernetes() -> None:
    major, minor = localcluster.KIND_KUBERNETES
    assert localcluster.KIND_NODE_IMAGE.startswith(f"kindest/node:v{major}.{minor}.")
    assert localcluster.METRICS_SERVER_VERSION == metrics_server.release_for(localcluster.KIND_KUBERNETES) == "v0.9.0"
    steps = [" ".join(step.argv) for step in localcluster.create_steps("kind", 30300) if hasattr(step, "argv")]
    assert f"kubectl apply --server-side -f {metrics_server.manifest('v0.9.0')}" in steps
