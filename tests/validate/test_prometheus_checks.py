"""Prometheus and app-metrics checks against a real Prometheus (Debian's) that scrapes itself and a metrics endpoint
exposed with prometheus_client, reached through the stand-in kubectl's port-forward."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.operations.validate import catalogue, runner
from ca3cli.operations.validate.model import Status
from tests.fixtures.kubectl import KubectlStub
from tests.fixtures.patience import CALL_GUARD_S, HANG_GUARD_S
from tests.fixtures.servers import ServerProcess, free_port, require, running
from tests.validate import api_shapes as api
from tests.validate.conftest import MakeProbe
from tests.validate.recorded_api import RecordedApi, Seen, serve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app_metrics() -> Iterator[RecordedApi]:
    """A /metrics endpoint whose counters grow on every scrape, like a busy producer and processor."""
    registry = CollectorRegistry()
    counters = [Counter(name, "test", registry=registry) for name in
                ("producer_messages_sent", "processor_messages_consumed", "processor_influxdb_writes")]

    def scrape(seen: Seen) -> tuple[int, str]:
        for counter in counters:
            counter.inc(5)
        return 200, generate_latest(registry).decode()

    with serve({"/metrics": scrape}) as api:
        yield api


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, app_metrics: RecordedApi) -> Iterator[int]:
    """A real Prometheus scraping itself (job prometheus) and the app endpoint as jobs producer and processor."""
    folder, port = tmp_path_factory.mktemp("prometheus"), free_port()
    app = f"127.0.0.1:{app_metrics.port}"
    jobs = {"prometheus": f"127.0.0.1:{port}", "producer": app, "processor": app}
    config = {"global": {"scrape_interval": "1s"},
              "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [t]}]} for job, t in jobs.items()]}
    (folder / "prometheus.yml").write_text(json.dumps(config))
    argv = [require("prometheus"), f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}"]
    with running(ServerProcess("prometheus", argv, port, folder / "prometheus.log")):
        wait_for_scrapes(port)
        yield port


def wait_for_scrapes(port: int, timeout_s: float = HANG_GUARD_S) -> None:
    """Until every job was scraped at least three times (rate() needs two samples)."""
    url = f"http://127.0.0.1:{port}/api/v1/query?query=count_over_time(up%5B1m%5D)"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=CALL_GUARD_S) as response:
                result = json.load(response)["data"]["result"]
        except urllib.error.HTTPError as exc:  # 503 until the TSDB has started, although the port is open
            if exc.code != 503:
                raise
            result = []
        if len(result) == 3 and all(float(r["value"][1]) >= 3 for r in result):
            return
        time.sleep(0.5)
    raise AssertionError("Prometheus did not scrape its targets in time")


def run(ids: list[str], probe: object) -> dict[str, tuple[Status, str]]:
    results = runner.run([catalogue.CHECKS[i] for i in ids], probe)  # type: ignore[arg-type]
    return {r.id: (r.status, r.evidence) for r in results}


def test_prometheus_checks_pass_and_fail_on_what_a_real_prometheus_answers(
        kubectl_stub: KubectlStub, make_probe: MakeProbe, prometheus: int) -> None:
    kubectl_stub.on("port-forward", "svc/prometheus-service", forward_to=prometheus)
    ids = ["m2.prometheus-ui", "m2.prometheus-self-target", "m2.prometheus-query-up", "m3.prometheus-app-targets",
           "m3.prometheus-custom-metrics", "m3.prometheus-kafka-exporter-target", "m3.consumer-lag-metric"]
    seen = run(ids, make_probe(3))
    passing = {i: s for i, (s, _) in seen.items() if s is Status.PASS}
    assert set(passing) == set(ids[:5]), seen
    assert seen["m3.prometheus-kafka-exporter-target"] == (Status.FAIL, "no target for kafka-exporter")
    assert seen["m3.consumer-lag-metric"][1].startswith("no series for kafka_consumergroup_lag")
    assert "sum(producer_messages_sent_total) = " in seen["m3.prometheus-custom-metrics"][1]
    assert kubectl_stub.commands() == ["port-forward svc/prometheus-service :9090"]  # one forward, shared


def test_panel_queries_of_the_generated_dashboard_run_in_prometheus(
        kubectl_stub: KubectlStub, make_probe: MakeProbe, prometheus: int) -> None:
    with serve(api.grafana_routes(to_json(pipeline_dashboard()))) as grafana:
        kubectl_stub.on("port-forward", "svc/prometheus-service", forward_to=prometheus)
        kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=grafana.port)
        kubectl_stub.on("get", "secret", "grafana-admin", stdout=api.grafana_admin_secret())
        seen = run(["m4.panel-producer-rate", "m4.panel-processor-rate", "m4.panel-influxdb-writes"], make_probe(4))
    assert all(status is Status.PASS for status, _ in seen.values()), seen
    assert "'Producer rate (events/s)': sum(rate(producer_messages_sent_total[1m])) = " in \
        seen["m4.panel-producer-rate"][1]


RECORDED = Path(__file__).parents[1] / "fixtures" / "kubectl" / "recorded"


def test_the_seeds_exec_curl_command_runs_in_a_ready_producer_pod(kubectl_stub: KubectlStub,
                                                                 make_probe: MakeProbe) -> None:
    """The seed's `kubectl exec <producer-pod> -- curl localhost:8000/metrics`, through the kubectl door, in the
    Running and Ready producer pod of the recorded `get pods`; what curl prints is judged."""
    kubectl_stub.on("get", "pods", stdout=(RECORDED / "get-pods.json").read_text())
    kubectl_stub.on("exec", "producer-848b9d6d7-gvhjt", "--", "curl",
                    stdout="# TYPE producer_messages_sent_total counter\nproducer_messages_sent_total 42.0\n")
    seen = run(["m3.producer-metrics-exec"], make_probe(3))
    assert seen["m3.producer-metrics-exec"] == (
        Status.PASS, "`kubectl exec producer-848b9d6d7-gvhjt -- curl localhost:8000/metrics`: "
                     "producer_messages_sent_total 42.0")
    assert kubectl_stub.commands() == ["get pods -o json",
                                       "exec producer-848b9d6d7-gvhjt -- curl localhost:8000/metrics"]


def test_the_exec_check_reports_the_kubelet_refusing_the_exec_as_recorded(kubectl_stub: KubectlStub,
                                                                         make_probe: MakeProbe) -> None:
    """The answer (exit 1, this stderr) is the recordings' exec-producer-pod.txt: a 1.28 control plane whose
    kubelet could not be reached."""
    kubectl_stub.on("get", "pods", stdout=(RECORDED / "get-pods.json").read_text())
    kubectl_stub.on("exec", returncode=1, stderr="Error from server: error dialing backend: dial tcp 127.0.0.1:10250: "
                                                 "connect: connection refused\n")
    status, evidence = run(["m3.producer-metrics-exec"], make_probe(3))["m3.producer-metrics-exec"]
    assert status is Status.FAIL and "exited 1: Error from server: error dialing backend" in evidence, evidence


def test_app_metrics_endpoints_through_port_forward(kubectl_stub: KubectlStub, make_probe: MakeProbe,
                                                    app_metrics: RecordedApi) -> None:
    with serve({"/metrics": (200, "# TYPE python_info gauge\npython_info 1.0\n")}) as bare:
        kubectl_stub.on("port-forward", "deployment/producer", forward_to=app_metrics.port)
        kubectl_stub.on("port-forward", "deployment/processor", forward_to=bare.port)
        seen = run(["m3.producer-metrics", "m3.processor-metrics"], make_probe(3))
    assert seen["m3.producer-metrics"][0] is Status.PASS
    assert seen["m3.processor-metrics"] == (Status.FAIL, "/metrics answered (1 metric families) without "
                                                         "processor_messages_consumed_total")
    assert sorted(kubectl_stub.commands()) == ["port-forward deployment/processor :8000",
                                               "port-forward deployment/producer :8000"]

