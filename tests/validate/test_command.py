"""`ca3 validate` end to end through the real entry point, the stand-in kubectl and recorded-shape API servers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest

from ca3cli.core import registry
from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.core.topology import Topology
from ca3cli.operations.validate import pipeline
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate import api_shapes as api
from tests.validate import kube_objects as k
from tests.validate.healthy_cluster import (
    ADMIN_TOKEN,
    GrowingCount,
    answer_healthy_m1,
    answer_objects,
    deployed,
    manifests,
)
from tests.validate.recorded_api import RecordedApi, serve

Ca3 = Callable[..., Run]
M1_IDS = [c.id for c in registry.CRITERIA if c.milestone == 1]


@pytest.fixture
def healthy(kubectl_stub: KubectlStub, project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedApi]:
    """A healthy milestone-1 cluster; yields the recorded InfluxDB so tests can see what it was asked."""
    monkeypatch.setattr(pipeline, "FLOW_POLL_S", 0.05)
    with serve(api.grafana_routes(to_json(pipeline_dashboard()))) as grafana, \
            serve({"/api/v2/query": GrowingCount()}) as influx:
        answer_healthy_m1(kubectl_stub, grafana.port, influx.port)
        yield influx


def test_list_prints_the_catalogue_without_touching_a_cluster(kubectl_stub: KubectlStub, project: Project,
                                                              ca3: Ca3) -> None:
    result = ca3("validate", "--list")
    assert result.code == 0, result.text
    assert "m1.namespace" in result.out and "m9.no-crashloops" in result.out and " M5 " in result.out
    assert kubectl_stub.calls == []


@pytest.mark.parametrize("form", [(), ("--json",)], ids=["table", "json"])
def test_list_honours_only_and_milestone_in_every_output_form(kubectl_stub: KubectlStub, project: Project, ca3: Ca3,
                                                              form: tuple[str, ...]) -> None:
    result = ca3("validate", "--list", *form, "-m", "2", "--only", "m1.topic,m2.prometheus-ui",
                 "--only", "m5.loki-ready")
    assert result.code == 0, result.text
    shown = re.findall(r"\bm\d\.[\w-]+", result.out) if not form else [item["id"] for item in json.loads(result.out)]
    assert shown == ["m1.topic", "m2.prometheus-ui"]  # m5 is beyond -m 2
    assert kubectl_stub.calls == []


@pytest.mark.parametrize("form", [(), ("--json",)], ids=["table", "json"])
def test_list_refuses_milestone_zero_and_unknown_ids_as_usage_errors(kubectl_stub: KubectlStub, project: Project,
                                                                     ca3: Ca3, form: tuple[str, ...]) -> None:
    zero = ca3("validate", "--list", *form, "-m", "0")
    assert zero.code == 2 and "Unknown milestone 0; choose one of 1-9." in zero.text
    unknown = ca3("validate", "--list", *form, "--only", "m1.topik")
    assert unknown.code == 2 and "Unknown check id m1.topik. Did you mean m1.topic?" in unknown.text


def test_list_json_is_a_list_of_id_milestone_criterion(kubectl_stub: KubectlStub, project: Project, ca3: Ca3) -> None:
    listed = json.loads(ca3("validate", "--list", "--json").out)
    assert len(listed) == len(registry.CRITERIA)
    assert listed[0] == {"id": "m1.namespace", "milestone": "M1", "criterion": registry.CRITERIA[0].text}
    assert {item["milestone"] for item in listed} == {f"M{n}" for n in range(1, 10)}
    listed_to_m2 = json.loads(ca3("validate", "--list", "--json", "-m", "2").out)
    assert {item["milestone"] for item in listed_to_m2} == {"M1", "M2"}
    assert kubectl_stub.calls == []


def test_a_healthy_milestone_1_passes_every_check_and_exits_zero(healthy: RecordedApi, kubectl_stub: KubectlStub,
                                                                 ca3: Ca3) -> None:
    result = ca3("validate", "--json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["milestone"] == 1 and "highest deployed" in report["milestone_source"]
    assert [r["id"] for r in report["results"]] == M1_IDS
    assert {r["id"]: r["status"] for r in report["results"] if r["status"] != "PASS"} == {}
    assert report["summary"] == {"PASS": len(M1_IDS), "FAIL": 0, "WARN": 0, "SKIP": 0}
    assert ADMIN_TOKEN not in result.out + result.err
    assert {s.headers["Authorization"] for s in healthy.seen} == {f"Token {ADMIN_TOKEN}"}
    flux = json.loads(healthy.seen[0].body)["query"]
    assert flux.startswith('from(bucket: "conveyor") |> range(start: 20') and "count()" in flux
    assert healthy.seen[0].path == "/api/v2/query?org=conveyor"


def test_checks_call_kubectl_as_documented(healthy: RecordedApi, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    assert ca3("validate", "--only", "m1.rbac,m1.topic,m1.producer-logs,m1.networkpolicy-enforced").code == 0
    calls = {" ".join(c.words[:2]): c for c in kubectl_stub.calls}
    accounts = {c.flag("--as") for c in kubectl_stub.calls if c.words[:2] == ["auth", "can-i"]}
    assert accounts == {f"system:serviceaccount:conveyor-pipeline:{name}"
                        for name in ("kafka", "influxdb", "producer", "processor", "grafana")}
    assert calls["exec kafka-0"].words[2:6] == ["--", "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server",
                                                "localhost:9092"]
    assert calls["logs --all-containers"].words[-2:] == ["-l", "app=producer"]
    run = next(c for c in kubectl_stub.calls if c.words[0] == "run")
    overrides = json.loads(run.flag("--overrides") or "{}")
    assert overrides["spec"]["securityContext"]["runAsNonRoot"] is True
    assert run.flag("--labels") == "ca3.dev/probe=netpol" and "--rm" in run.argv
    kafka = Topology.of_manifests(manifests()).service("kafka")
    address = deployed().named("Service", kafka.name)["spec"]["clusterIP"]
    assert f"{address} {kafka.port}" in overrides["spec"]["containers"][0]["command"][2]


def test_a_failing_check_exits_non_zero_and_the_junit_file_says_which(healthy: RecordedApi, kubectl_stub: KubectlStub,
                                                                      ca3: Ca3, project: Project) -> None:
    broken = k.pod("processor-5c9b-q8z1m", "processor", waiting="CrashLoopBackOff")
    kubectl_stub.on("get", "pods", "-o", "json", stdout=k.listing(broken))
    result = ca3("validate", "--only", "m1.pods-running,m1.secrets", "--junit", "reports/validate.xml")
    assert result.code == 1
    assert "1 of 2 checks failed" in result.text and "ca3 validate --only ID" in result.text
    assert "processor-5c9b-q8z1m Running (CrashLoopBackOff)" in result.text
    assert "2 checks for milestone 1: 1 PASS, 1 FAIL, 0 WARN, 0 SKIP" in result.text
    suite = ET.parse(project.path / "reports" / "validate.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["m1.pods-running"]


def test_default_milestone_is_the_deployed_one(kubectl_stub: KubectlStub, project: Project, ca3: Ca3) -> None:
    answer_objects(kubectl_stub, milestone=2)
    report = json.loads(ca3("validate", "--json", "--only", "m1.secrets", "--only", "m3.consumer-lag-metric").out)
    assert report["milestone"] == 2 and [r["id"] for r in report["results"]] == ["m1.secrets"]


def test_without_the_annotation_every_milestone_is_checked_and_it_says_so(kubectl_stub: KubectlStub, project: Project,
                                                                          ca3: Ca3) -> None:
    answer_objects(kubectl_stub)
    kubectl_stub.on("get", "namespace", k.NS, stdout=k.namespace())  # the later rule wins
    report = json.loads(ca3("validate", "--json", "--only", "m1.secrets").out)
    assert report["milestone"] == 9 and "no ca3.dev/milestone annotation" in report["milestone_source"]


def test_missing_namespace_says_nothing_is_deployed(kubectl_stub: KubectlStub, project: Project, ca3: Ca3) -> None:
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    kubectl_stub.on("get", "namespace", returncode=1,
                    stderr='Error from server (NotFound): namespaces "conveyor-pipeline" not found\n')
    result = ca3("validate")
    assert result.code == 1
    assert "Namespace conveyor-pipeline does not exist, so nothing is deployed" in result.text
    assert "Traceback" not in result.text


def test_unreachable_cluster_stops_before_running_checks_with_the_deploy_sentence(kubectl_stub: KubectlStub,
                                                                                  project: Project, ca3: Ca3) -> None:
    klog = ('E1201 08:00:00.123456   4711 memcache.go:265] couldn\'t get current server API group list: Get '
            '"https://127.0.0.1:6443/api?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection refused\n')
    kubectl_stub.on("version", returncode=1, stdout='{"clientVersion": {"major": "1", "minor": "28"}}\n',
                    stderr=klog + "The connection to the server 127.0.0.1:6443 was refused - did you specify the "
                                  "right host or port?\n")
    result = ca3("validate", "-m", "3")
    assert result.code == 1
    assert ("Cannot reach the cluster of context `kind-ca3`: The connection to the server 127.0.0.1:6443 was refused"
            in result.text)
    assert "memcache.go" not in result.text and "Traceback" not in result.text
    assert [c.words[0] for c in kubectl_stub.calls] == ["version"]


def test_unknown_check_id_is_a_usage_error_with_a_suggestion(kubectl_stub: KubectlStub, project: Project,
                                                             ca3: Ca3) -> None:
    answer_objects(kubectl_stub)
    result = ca3("validate", "--only", "m1.secret")
    assert result.code == 2 and "Did you mean m1.secrets" in result.text


def test_table_shows_id_milestone_status_and_evidence(healthy: RecordedApi, ca3: Ca3) -> None:
    result = ca3("validate", "--only", "m1.topic")
    assert result.code == 0, result.text
    assert "m1.topic" in result.out and "M1" in result.out and "PASS" in result.out
    assert "conveyor-speed: 6 partitions" in result.text
    assert "1 checks for milestone 1: 1 PASS, 0 FAIL, 0 WARN, 0 SKIP" in result.text


def test_an_empty_namespace_fails_every_check_with_a_reason_and_none_crashes(kubectl_stub: KubectlStub,
                                                                             project: Project, ca3: Ca3) -> None:
    """Every gather path meets missing objects, refused forwards and failing exec; none may crash or PASS."""
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    kubectl_stub.on("get", stdout=k.listing())
    kubectl_stub.on("get", "namespace", k.NS, stdout=k.namespace({"ca3.dev/milestone": "9"}))
    for kind in ("secret", "configmap"):
        kubectl_stub.on("get", kind, returncode=1, stderr=f'Error from server (NotFound): {kind}s "x" not found\n')
    kubectl_stub.on("port-forward", returncode=1, stderr='error: services "x" not found\n')
    kubectl_stub.on("exec", returncode=1, stderr='Error from server (NotFound): pods "kafka-0" not found\n')
    kubectl_stub.on("logs", stdout="No resources found in conveyor-pipeline namespace.\n")
    kubectl_stub.on("auth", "can-i", stdout="no\n", returncode=1)
    kubectl_stub.on("run", returncode=1, stderr="error: timed out waiting for the condition\n")
    result = ca3("validate", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert len(report["results"]) == len(registry.CRITERIA)
    passing = [(r["id"], r["evidence"]) for r in report["results"] if r["status"] == "PASS"]
    assert passing == [], "\n".join(map(str, passing))
    assert [r["id"] for r in report["results"] if "crashed" in r["evidence"] or not r["evidence"]] == []
