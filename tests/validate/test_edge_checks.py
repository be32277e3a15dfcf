"""Checks whose evidence comes from real protocols: TLS handshakes verified against our CA, HTTPS Flux queries, a
plaintext Kafka probe against a real Kafka-protocol broker and a TLS one, and data that stops flowing."""

from __future__ import annotations

import pytest

from ca3cli.operations.validate import catalogue, pipeline, runner
from ca3cli.operations.validate.model import Status
from ca3cli.operations.validate.probe import Probe
from tests.fixtures.kubectl import KubectlStub
from tests.fixtures.servers import Kafka
from tests.validate import api_shapes as api
from tests.validate import kube_objects as k
from tests.validate.conftest import MakeProbe
from tests.validate.healthy_cluster import ADMIN_TOKEN, GrowingCount, answer_objects
from tests.validate.pki import issue
from tests.validate.recorded_api import serve

INFLUX_NAME = f"influxdb-service.{k.NS}.svc"


def run(ids: list[str], probe: Probe) -> dict[str, tuple[Status, str]]:
    return {r.id: (r.status, r.evidence) for r in runner.run([catalogue.CHECKS[i] for i in ids], probe)}


def ca_configmap(pem: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": k.meta("ca3-ca"), "data": {"ca.crt": pem}}


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "FLOW_POLL_S", 0.05)
    monkeypatch.setattr(pipeline, "FLOW_WAIT_S", 0.5)


@pytest.mark.parametrize(("trusted", "expected"), [(True, Status.PASS), (False, Status.FAIL)])
def test_influxdb_over_https_is_verified_against_our_ca_for_the_service_name(
        kubectl_stub: KubectlStub, make_probe: MakeProbe, trusted: bool, expected: Status) -> None:
    pki = issue(INFLUX_NAME, f"influxdb-service.{k.NS}.svc.cluster.local")
    with serve({"/api/v2/query": GrowingCount()}, tls=pki.server_context()) as influx:
        answer_objects(kubectl_stub)
        kubectl_stub.on("get", "configmap", "ca3-ca", stdout=ca_configmap(pki.ca_pem if trusted else issue("x").ca_pem))
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        seen = run(["m7.influxdb-tls-handshake", "m1.data-flow"], make_probe(7))
    assert {i: s for i, (s, _) in seen.items()} == {"m7.influxdb-tls-handshake": expected, "m1.data-flow": expected}
    if trusted:
        assert seen["m7.influxdb-tls-handshake"][1].endswith(f"certificate verified for {INFLUX_NAME}")
    else:
        assert "CERTIFICATE_VERIFY_FAILED" in seen["m7.influxdb-tls-handshake"][1]
        assert "CERTIFICATE_VERIFY_FAILED" in seen["m1.data-flow"][1]


def test_a_certificate_for_another_name_fails_the_handshake(kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    pki = issue("localhost")
    with serve({}, tls=pki.server_context()) as influx:
        kubectl_stub.on("get", "configmap", "ca3-ca", stdout=ca_configmap(pki.ca_pem))
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        [(status, evidence)] = run(["m7.influxdb-tls-handshake"], make_probe(7)).values()
    assert status is Status.FAIL and f"handshake as {INFLUX_NAME} failed" in evidence


def test_tls_checks_skip_when_tls_is_switched_off(kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    from ca3cli.core.settings import TLS, Settings

    seen = run(["m7.influxdb-tls-handshake", "m8.no-plaintext-9092"],
               make_probe(9, Settings(tls=TLS(influxdb=False, kafka=False))))
    assert {s for s, _ in seen.values()} == {Status.SKIP}
    assert "tls.influxdb: false" in seen["m7.influxdb-tls-handshake"][1]
    assert kubectl_stub.calls == []


def test_points_that_stop_arriving_fail_the_data_flow_check(kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    with serve({"/api/v2/query": (200, api.influx_count_csv(None))}) as influx:
        answer_objects(kubectl_stub)
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        [(status, evidence)] = run(["m1.data-flow"], make_probe(1)).values()
    assert status is Status.FAIL and "stayed at 0" in evidence and "nothing is being written" in evidence
    assert ADMIN_TOKEN not in evidence


@pytest.mark.integration
@pytest.mark.parametrize(("broker", "expected"), [("tansu", Status.FAIL), ("kafka_tls", Status.PASS)])
def test_port_9092_is_probed_with_a_real_kafka_request(kubectl_stub: KubectlStub, make_probe: MakeProbe,
                                                       request: pytest.FixtureRequest, broker: str,
                                                       expected: Status) -> None:
    """A plaintext broker answers ApiVersions (FAIL); a TLS-only port (stunnel before Tansu) gives no answer (PASS)."""
    kafka: Kafka = request.getfixturevalue(broker)
    kubectl_stub.on("get", "services", stdout=k.listing(k.service("kafka-service", (9093,))))
    kubectl_stub.on("port-forward", "pod/kafka-0", forward_to=int(kafka.bootstrap.rsplit(":", 1)[1]))
    [(status, evidence)] = run(["m8.no-plaintext-9092"], make_probe(8)).values()
    assert status is expected, evidence
    if expected is Status.FAIL:
        assert "a plaintext Kafka ApiVersions answer" in evidence


@pytest.mark.parametrize(("output", "plugins", "expected"), [
    ("ca3-probe: blocked\n", ["kindnet"], Status.PASS),
    ("ca3-probe: connected\n", ["kindnet", "kube-proxy"], Status.WARN),
    ("ca3-probe: connected\n", ["calico-node", "kube-proxy"], Status.FAIL),
])
def test_network_policy_probe_reads_the_plugin_from_kube_system(kubectl_stub: KubectlStub, make_probe: MakeProbe,
                                                                output: str, plugins: list[str],
                                                                expected: Status) -> None:
    answer_objects(kubectl_stub)
    kubectl_stub.on("run", stdout=output)
    kubectl_stub.on("get", "daemonsets", stdout=k.listing(*(k.workload("DaemonSet", name) for name in plugins)))
    [(status, evidence)] = run(["m1.networkpolicy-enforced"], make_probe(1)).values()
    assert status is expected, evidence
    system = [c for c in kubectl_stub.calls if c.words[:2] == ["get", "daemonsets"]]
    assert system and system[0].flag("-n") == "kube-system"
    if expected is Status.WARN:
        assert "does not enforce NetworkPolicies" in evidence and "kindnet" in evidence
