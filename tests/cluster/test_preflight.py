"""Preflight as pure functions over real-shaped kubectl JSON, and the calls it makes."""

from __future__ import annotations

import pytest

from ca3cli.core import metrics_server
from ca3cli.core.errors import Ca3Error, ClusterUnreachable
from ca3cli.core.settings import Settings, parse
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import preflight
from tests.cluster.conftest import answer_preflight
from tests.fixtures.kubectl import KubectlStub, fixture, fixture_json


def test_server_version_reads_eks_style_minor() -> None:
    assert preflight.server_version(fixture_json("version-old-server.json"))[:2] == (1, 27)
    assert preflight.version_check(fixture_json("version.json")) == preflight.Check("server version", "ok",
                                                                                      "Kubernetes v1.34.0")


def test_server_older_than_tested_but_1_28_or_newer_is_a_warning_not_a_stop() -> None:
    check = preflight.version_check(fixture_json("recorded/version.json"))
    assert check.status == "warn" and "v1.28.0 is older than 1.30" in check.message


def test_version_without_server_part_is_a_clear_error() -> None:
    with pytest.raises(Ca3Error, match="printed no server version"):
        preflight.server_version({"clientVersion": {"major": "1", "minor": "34"}})


def test_default_storage_class_is_found_by_its_annotation() -> None:
    check = preflight.storage_class_check(fixture_json("recorded/get-storageclass.json"), "")
    assert check == preflight.Check("storage class", "ok", "standard (cluster default)")


def test_no_default_storage_class_stops_and_names_the_classes_and_the_fix() -> None:
    check = preflight.storage_class_check(fixture_json("storageclasses-no-default.json"), "")
    assert check.status == "fail"
    assert "fast, standard" in check.message and "cluster.storage_class" in check.message


def test_storage_class_from_settings_must_exist() -> None:
    classes = fixture_json("recorded/get-storageclass.json")
    assert preflight.storage_class_check(classes, "standard").status == "ok"
    assert preflight.storage_class_check(classes, "gp3").status == "fail"


@pytest.mark.parametrize(("flavour", "fix"), [
    ("kind", "--kubelet-insecure-tls"),
    ("minikube", "minikube addons enable metrics-server"),
    ("k3d", "ships metrics-server"),
    ("docker-desktop", "--kubelet-insecure-tls"),
    ("other", "kubectl apply -f https://github.com/kubernetes-sigs/metrics-server"),
])
def test_missing_metrics_server_warns_with_the_fix_for_the_flavour(flavour: str, fix: str) -> None:
    check = preflight.metrics_check(None, flavour, (1, 28))
    assert check.status == "warn" and "HPA" in check.message and fix in check.message
    assert ("To install it on other" not in check.message) and ("install it with" not in check.message)
    assert f"To install it{'' if flavour == 'other' else ' on ' + flavour}: " in check.message


@pytest.mark.parametrize(("version", "release"), [
    ((1, 28), "v0.7.2"), ((1, 30), "v0.7.2"), ((1, 31), "v0.8.1"), ((1, 33), "v0.8.1"), ((1, 34), "v0.9.0"),
    ((1, 37), "v0.9.0"), ((1, 45), "v0.9.0"), ((2, 0), "v0.9.0"),
])
def test_the_hint_names_the_newest_metrics_server_release_that_supports_the_servers_version(
        version: tuple[int, int], release: str) -> None:
    assert metrics_server.release_for(version) == release
    check = preflight.metrics_check(None, "other", version)
    assert f"kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/download/{release}/" \
           "components.yaml" in check.message
    assert f"metrics-server {release}, the newest for Kubernetes {version[0]}.{version[1]}" in check.message


def test_a_server_older_than_every_release_in_the_table_gets_the_matrix_not_a_release() -> None:
    assert metrics_server.release_for((1, 26)) is None
    message = preflight.metrics_check(None, "kind", (1, 26)).message
    assert "no metrics-server release in ca3's table supports Kubernetes 1.26" in message
    assert "kubectl apply" not in message


def test_metrics_api_not_available_is_a_warning_with_the_reason() -> None:
    check = preflight.metrics_check(fixture_json("apiservice-metrics-missing-endpoints.json"), "kind", (1, 37))
    assert check.status == "warn" and "have no addresses" in check.message and "--kubelet-insecure-tls" in check.message
    assert preflight.metrics_check(fixture_json("apiservice-metrics-available.json"), "kind", (1, 37)).status == "ok"


def test_preflight_calls_are_cluster_scoped_and_read_only(kubectl_stub: KubectlStub) -> None:
    answer_preflight(kubectl_stub)
    kubectl_stub.on("version", stdout=fixture("version.json"))  # a release ca3 is tested on: every check ok
    checks = preflight.run(Kubectl(context="kind-ca3", namespace="conveyor-pipeline"), Settings())
    assert [check.status for check in checks] == ["ok", "ok", "ok", "ok"]
    assert [call.words[0] for call in kubectl_stub.calls] == ["version", "get", "get", "get"]
    assert all(call.flag("--namespace") is None for call in kubectl_stub.calls)


def test_metrics_server_not_registered_is_a_warning(kubectl_stub: KubectlStub) -> None:
    answer_preflight(kubectl_stub)
    kubectl_stub.on("get", "apiservice", "v1beta1.metrics.k8s.io", stdout="")  # --ignore-not-found prints nothing
    checks = preflight.run(Kubectl(), Settings())
    assert checks[-1].status == "warn" and "not installed" in checks[-1].message


@pytest.mark.parametrize(("answer", "status"), [
    ("customresourcedefinition.apiextensions.k8s.io/scaledobjects.keda.sh\n", "ok"), ("", "fail")])
def test_in_keda_mode_preflight_stops_without_kedas_crd(kubectl_stub: KubectlStub, answer: str, status: str) -> None:
    answer_preflight(kubectl_stub)
    kubectl_stub.on("get", "crd", "scaledobjects.keda.sh", stdout=answer)
    checks = preflight.run(Kubectl(), parse({"autoscaling": {"processor": "keda"}}))
    assert (checks[-1].name, checks[-1].status) == ("KEDA", status)
    assert status == "ok" or "autoscaling.processor: cpu" in checks[-1].message


def test_missing_context_is_reported_with_how_to_list_contexts(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("version", returncode=1, stderr="error: context was not found for specified context: kind-nope\n")
    with pytest.raises(ClusterUnreachable) as caught:
        preflight.reachable(Kubectl(context="kind-nope"))
    assert "context was not found for specified context: kind-nope" in str(caught.value)
    assert "kubectl config get-contexts" in str(caught.value)


def test_a_cluster_that_hangs_is_unreachable_not_a_hang(kubectl_stub: KubectlStub,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    kubectl_stub.on("version", delay=5)
    monkeypatch.setattr(preflight, "VERSION_TIMEOUT_S", 0.5)
    with pytest.raises(ClusterUnreachable, match="did not answer"):
        preflight.reachable(Kubectl(context="kind-ca3"))
