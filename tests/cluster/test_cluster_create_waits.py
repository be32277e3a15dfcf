"""`ca3 cluster create` waits like deploy: kube-system's workloads and the node are polled, and a final cause or
the timeout fails the step at once with what was seen."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.operations import localcluster, up
from tests.cluster import recorded
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]


def test_a_calico_pod_that_cannot_pull_its_image_fails_cluster_create_at_the_first_poll_with_the_cause(
        project: Project, images: KubectlStub, ca3: Ca3, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calico's DaemonSet is polled like a deploy's workloads: ImagePullBackOff is final, so no 300 s wait."""
    monkeypatch.setattr(up, "POLL_S", 0.0)
    images.on("apply").on("patch")
    stuck = recorded.in_kube_system(recorded.recorded("podsecurity-enforce-baseline-get-daemonset-promtail.json"),
                                    "calico-node")
    images.on("get", "daemonset", "calico-node", stdout=stuck)
    pod = recorded.image_pull_backoff(recorded.pod("promtail-s7lt8"))
    images.on("get", "pods", stdout=recorded.listed(pod))
    images.on("get", "events", stdout=recorded.listed())
    images.on("logs", stdout="")
    result = ca3("cluster", "create")
    assert result.code == 1
    assert "daemonset/calico-node cannot become ready:" in result.text and "ImagePullBackOff" in result.text
    assert f"Pod {pod['metadata']['name']}:" in result.text  # the evidence of that moment
    assert "container promtail: waiting ImagePullBackOff" in result.text
    assert "run `ca3 cluster delete --flavour kind`, then `ca3 cluster create` again" in result.text
    polled = [c for c in images.calls if c.words[:3] == ["get", "daemonset", "calico-node"]]
    assert len(polled) == 1 and polled[0].flag("--namespace") == "kube-system"
    assert not [c for c in images.calls if c.words[:2] == ["get", "nodes"] or c.words[0] == "patch"]


def test_a_node_that_never_becomes_ready_fails_with_the_kubelets_reason(
        project: Project, images: KubectlStub, ca3: Ca3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(up, "POLL_S", 0.0)
    never = localcluster.Await(localcluster.NODES, "wait until every node is Ready", timeout_s=0)
    monkeypatch.setattr(localcluster, "_k3d", lambda port: [never])  # k3d's one wait, with no time to wait
    nodes = recorded.recorded("get-nodes.json")
    nodes["items"] = [recorded.unready_node(node) for node in nodes["items"]]
    images.on("get", "nodes", stdout=nodes)
    result = ca3("cluster", "create", "--flavour", "k3d")
    assert result.code == 1
    assert "nodes did not become Ready within 0s (node-1: Node not Ready: KubeletNotReady: container runtime " \
           "network not ready" in result.text
