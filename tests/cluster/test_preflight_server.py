"""Preflight catches what only the API server would: a NodePort another Service holds, a server too old for the
manifests. Fixtures are real Kubernetes 1.28 outputs (get-svc.json holds ca3's grafana-service on NodePort 30300)."""

from __future__ import annotations

from typing import Any

from ca3cli.core import settings
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import preflight
from tests.cluster.conftest import NAMESPACE, SETTINGS, Project, Run, answer_preflight
from tests.fixtures.kubectl import KubectlStub, fixture, fixture_json

GRAFANA = {30300: "grafana.node_port"}
FORBIDDEN = ('Error from server (Forbidden): services is forbidden: User "jane" cannot list resource "services" in '
             'API group "" at the cluster scope\n')
MUTATING = ("apply", "create", "delete", "patch", "replace", "label")


def recorded_services() -> Any:
    return fixture_json("recorded/get-svc.json")


def test_ca3s_own_service_in_its_namespace_holding_the_port_is_not_a_conflict() -> None:
    check = preflight.node_port_check(recorded_services(), NAMESPACE, GRAFANA)
    assert check == preflight.Check("node ports", "ok", "30300 free")


def test_a_second_install_in_another_namespace_fails_naming_the_owner_and_the_setting() -> None:
    check = preflight.node_port_check(recorded_services(), "conveyor-b", GRAFANA)
    assert check.status == "fail"
    assert "NodePort 30300 is already allocated to Service conveyor-pipeline/grafana-service" in check.message
    assert "Set `grafana.node_port` in ca3.yaml to a free port in 30000-32767" in check.message
    assert check.message.endswith("or delete that Service.")


def test_the_failure_quotes_what_the_1_28_server_says_when_it_refuses_the_port() -> None:
    refused = fixture("create-service-nodeport-taken.txt")
    assert "provided port is already allocated" in refused
    assert "provided port is already allocated" in fixture("apply-server-side-service-nodeport-taken.txt")
    assert "provided port is already allocated" in preflight.node_port_check(recorded_services(), "b", GRAFANA).message


def test_a_service_not_managed_by_ca3_in_the_same_namespace_is_a_conflict() -> None:
    services = recorded_services()
    del services["items"][0]["metadata"]["labels"]["app.kubernetes.io/managed-by"]
    assert services["items"][0]["metadata"]["name"] == "grafana-service"
    assert preflight.node_port_check(services, NAMESPACE, GRAFANA).status == "fail"


def test_another_port_is_free_even_where_30300_is_taken() -> None:
    assert preflight.node_port_check(recorded_services(), "conveyor-b", {30301: "grafana.node_port"}).status == "ok"


def test_services_that_cannot_be_listed_are_a_warning_saying_what_is_not_checked() -> None:
    check = preflight.node_port_check(None, NAMESPACE, GRAFANA)
    assert check.status == "warn" and "only show when applying" in check.message


def test_a_server_older_than_1_28_stops_with_the_reason_and_the_fix() -> None:
    check = preflight.version_check(fixture_json("version-old-server.json"))
    assert check.status == "fail"
    assert "apps.kubernetes.io/pod-index" in check.message and "Upgrade the cluster to 1.28" in check.message


def test_the_recorded_1_28_server_is_new_enough() -> None:
    assert preflight.version_check(fixture_json("recorded/version.json")).status == "warn"


def test_preflight_asks_for_services_in_all_namespaces_and_judges_the_configured_port(
        kubectl_stub: KubectlStub) -> None:
    answer_preflight(kubectl_stub)
    checks = preflight.run(Kubectl(namespace="conveyor-b"), settings.parse({"namespace": "conveyor-b"}))
    node_ports = next(check for check in checks if check.name == "node ports")
    assert node_ports.status == "fail" and "conveyor-pipeline/grafana-service" in node_ports.message
    assert "get services --all-namespaces -o json" in kubectl_stub.commands()


def test_a_context_that_may_not_list_services_cluster_wide_still_deploys_with_a_warning(
        project: Project, cluster: KubectlStub, ca3: Any) -> None:
    cluster.on("get", "services", "--all-namespaces", returncode=1, stderr=FORBIDDEN)
    result: Run = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert "node ports: Services in other namespaces cannot be listed" in result.text


def test_a_nodeport_held_in_another_namespace_stops_the_deploy_before_anything_is_applied(
        project: Project, cluster: KubectlStub, ca3: Any) -> None:
    (project.path / "ca3.yaml").write_text(SETTINGS + "namespace: conveyor-b\n")
    cluster.on("get", "namespace", "conveyor-b", "--show-managed-fields", stdout="")  # not created yet
    result: Run = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "Preflight failed" in result.text and "conveyor-pipeline/grafana-service" in result.text
    assert "`grafana.node_port`" in result.text
    assert [call for call in cluster.commands() if call.split()[0] in MUTATING] == []


def test_a_server_older_than_1_28_stops_the_deploy_before_anything_is_applied(
        project: Project, cluster: KubectlStub, ca3: Any) -> None:
    cluster.on("version", stdout=fixture("version-old-server.json"))
    result: Run = ca3("deploy", "-m", "1")
    assert result.code == 1 and "older than 1.28" in result.text
    assert [call for call in cluster.commands() if call.split()[0] in MUTATING] == []
