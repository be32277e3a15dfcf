"""`ca3 destroy` and `ca3 status` against the stand-in kubectl."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.operations import prune
from tests.cluster import recorded
from tests.cluster.conftest import CONTEXT, NAMESPACE, Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture

Ca3 = Callable[..., Run]
CLAIMS = ('{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": ['
          '{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data-kafka-0"}},'
          '{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data-influxdb-0"}}]}')


@pytest.fixture
def reachable(kubectl_stub: KubectlStub) -> KubectlStub:
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    return kubectl_stub


def test_destroy_without_a_terminal_insists_on_yes(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    result = ca3("destroy")
    assert result.code == 2
    assert "Pass --yes to confirm" in result.text
    assert kubectl_stub.calls == []


def test_destroy_keeps_claims_and_namespace_without_delete_data(project: Project, reachable: KubectlStub,
                                                                  ca3: Ca3) -> None:
    reachable.on("delete", stdout="deployment.apps \"producer\" deleted\n")
    reachable.on("get", "persistentvolumeclaims", stdout=CLAIMS)
    reachable.on("get", ",".join(prune.NAMESPACED_KINDS), stdout=fixture("empty-list.json"))
    result = ca3("destroy", "--yes")
    assert result.code == 0, result.text
    deletes = [call for call in reachable.calls if call.words[0] == "delete"]
    kept = "persistentvolumeclaims"
    assert [call.words[1] for call in deletes] == [",".join(prune.CLUSTER_KINDS),
                                                   ",".join(k for k in prune.NAMESPACED_KINDS if k != kept)]
    assert all("app.kubernetes.io/managed-by=ca3" in call.flag("-l") for call in deletes)
    assert deletes[0].flag("--namespace") is None and deletes[1].flag("--namespace") == NAMESPACE
    assert "namespace" not in [word for call in deletes for word in call.words]
    assert ("Kept 2 PersistentVolumeClaim(s) and namespace conveyor-pipeline: "
            "data-kafka-0, data-influxdb-0.") in result.text
    assert (project.run_logs()[0]).name.startswith("destroy-")


def test_destroy_with_delete_data_removes_the_namespace_and_cluster_objects(project: Project, reachable: KubectlStub,
                                                                           ca3: Ca3) -> None:
    reachable.on("delete")
    result = ca3("destroy", "--delete-data", "--yes")
    assert result.code == 0, result.text
    assert [" ".join(call.words[:3]) for call in reachable.calls if call.words[0] == "delete"] == [
        f"delete {','.join(prune.CLUSTER_KINDS)} -l", f"delete namespace {NAMESPACE}"]
    assert all(call.flag("--context") == CONTEXT for call in reachable.calls)


def test_destroy_on_an_unreachable_cluster_deletes_nothing(project: Project, kubectl_stub: KubectlStub,
                                                            ca3: Ca3) -> None:
    kubectl_stub.on("version", returncode=1, stderr="Unable to connect to the server: dial tcp 127.0.0.1:6443: "
                                                    "connect: connection refused\n")
    result = ca3("destroy", "--yes")
    assert result.code == 1
    assert "Cannot reach the cluster" in result.text and "connection refused" in result.text
    assert [call.words[0] for call in kubectl_stub.calls] == ["version"]


def answer_status(stub: KubectlStub, pods: str, autoscalers: str, grafana: bool = True) -> None:
    """What `ca3 status` reads: the pods, the HPAs, the namespace (whose milestone says which manifests name
    Grafana's Service: a real recording, milestone 6) and Grafana's Service (the named fixture files)."""
    stub.on("get", "pods", stdout=fixture(pods))
    stub.on("get", "namespace", NAMESPACE, stdout=fixture("recorded/get-namespace-conveyor-pipeline.json"))
    stub.on("get", "horizontalpodautoscalers.autoscaling", stdout=fixture(autoscalers))
    stub.on("get", "service", "grafana-service",
            stdout=recorded.item("get-svc.json", "Service", "grafana-service") if grafana else "")


def test_status_shows_pods_hpa_and_grafana_for_kind(project: Project, reachable: KubectlStub, ca3: Ca3) -> None:
    answer_status(reachable, "pods-processor-crashloop.json", "hpa-producer.json")
    result = ca3("status")
    assert result.code == 0, result.text
    assert "processor-5f7d9c6b4-m8zq4 │ 0/1 │ CrashLoopBackOff │ 5" in result.text
    assert "kafka-topic-create-7xq2p │ 0/1 │ Succeeded" in result.text
    assert "producer │ Deployment/producer │ 12%/50% │ 1-5 │ 1" in result.text
    assert "http://localhost:30300 if the kind cluster maps it (extraPortMappings" in result.text
    assert f"kubectl -n {NAMESPACE} port-forward svc/grafana-service 3000:3000" in result.text


def test_status_without_metrics_shows_unknown_cpu_and_minikube_service(
        project: Project, reachable: KubectlStub, ca3: Ca3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA3_CLUSTER_FLAVOUR", "minikube")
    answer_status(reachable, "recorded/get-pods.json", "recorded/get-hpa.json")  # recorded without metrics-server
    result = ca3("status")
    assert result.code == 0, result.text
    assert "<unknown>/50%" in result.text
    assert f"minikube service grafana-service -n {NAMESPACE} --url" in result.text


def test_status_on_other_clusters_points_at_a_node_address(project: Project, reachable: KubectlStub, ca3: Ca3,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA3_CLUSTER_FLAVOUR", "other")
    answer_status(reachable, "recorded/get-pods.json", "empty-list.json")
    reachable.on("get", "nodes", stdout=fixture("recorded/get-nodes.json"))
    result = ca3("status")
    assert "http://127.0.0.1:30300" in result.text  # the recorded node's InternalIP


def test_status_of_an_empty_namespace_says_how_to_deploy(project: Project, reachable: KubectlStub, ca3: Ca3) -> None:
    answer_status(reachable, "empty-list.json", "empty-list.json", grafana=False)
    result = ca3("status")
    assert result.code == 0
    assert "Nothing is running in namespace conveyor-pipeline. Deploy it with `ca3 deploy -m 1`." in result.text
