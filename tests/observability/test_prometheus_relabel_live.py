"""The rendered pod-discovery job, run by a real Prometheus on targets shaped like Kubernetes pod discovery output.

Debian's Prometheus has no Kubernetes discovery, so the targets come from `static_configs` carrying the same
`__meta_kubernetes_*` labels pod discovery would attach; every relabel rule of the rendered job applies unchanged.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
import yaml

from ca3cli.core.dashboards import catalogue
from tests.fixtures.patience import CALL_GUARD_S, HANG_GUARD_S
from tests.fixtures.servers import Prometheus, ServerProcess, free_port, require, running
from tests.observability.helpers import config_text, rendered
from tests.validate.recorded_api import serve

pytestmark = pytest.mark.integration

EXPORTER_METRICS = (
    "# TYPE kafka_consumergroup_lag gauge\n"
    'kafka_consumergroup_lag{consumergroup="processor",partition="0",topic="conveyor-speed"} 5\n'
    'kafka_consumergroup_lag{consumergroup="processor",partition="1",topic="conveyor-speed"} 2\n'
)


def pod(name: str, app: str, port: int, annotated: bool = True, phase: str = "Running") -> dict:
    """A target as pod discovery would hand it over (before relabeling)."""
    labels = {"__meta_kubernetes_namespace": "conveyor-pipeline", "__meta_kubernetes_pod_name": name,
              "__meta_kubernetes_pod_label_app": app, "__meta_kubernetes_pod_ip": "127.0.0.1",
              "__meta_kubernetes_pod_phase": phase}
    if annotated:
        labels |= {"__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
                   "__meta_kubernetes_pod_annotation_prometheus_io_port": str(port),
                   "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics"}
    return {"targets": ["10.244.0.9:9308"], "labels": labels}


def rendered_job_on(pods: list[dict]) -> dict:
    document = yaml.safe_load(config_text(rendered(3), "prometheus-configmap.yaml", "prometheus.yml"))
    job = next(j for j in document["scrape_configs"] if j["job_name"] == "kubernetes-pods")
    del job["kubernetes_sd_configs"]
    job["static_configs"] = pods
    job["scrape_interval"] = "1s"
    return {"global": {"scrape_interval": "1s"}, "scrape_configs": [job]}


def wait_ready(prometheus: Prometheus, timeout_s: float = HANG_GUARD_S) -> None:
    """Prometheus opens its port before its storage is ready; queries answer 503 until /-/ready says so."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{prometheus.url}/-/ready", timeout=CALL_GUARD_S):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def active_targets(prometheus: Prometheus) -> list[dict]:
    with urllib.request.urlopen(f"{prometheus.url}/api/v1/targets?state=active", timeout=CALL_GUARD_S) as response:
        return json.load(response)["data"]["activeTargets"]


def test_rendered_relabeling_scrapes_annotated_running_pods_and_labels_lag_by_group(tmp_path):
    with serve({"/metrics": (200, EXPORTER_METRICS)}) as exporter:
        pods = [pod("kafka-exporter-7d9f", "kafka-exporter", exporter.port),
                pod("influxdb-0", "influxdb", exporter.port, annotated=False),
                pod("kafka-exporter-old", "kafka-exporter", exporter.port, phase="Pending")]
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(json.dumps(rendered_job_on(pods)))
        server = ServerProcess("prometheus", [require("prometheus"), f"--config.file={config}",
                                              f"--storage.tsdb.path={tmp_path / 'data'}",
                                              f"--web.listen-address=127.0.0.1:{port}"], port, tmp_path / "prom.log")
        with running(server):
            prometheus = Prometheus(server)
            wait_ready(prometheus)
            lag = prometheus.wait_for('kafka_consumergroup_lag{group="processor"}', lambda v: len(v) == 2)
            targets = active_targets(prometheus)
            [panel] = [p for p in catalogue.PIPELINE_PANELS if p.title == "Consumer lag (messages)"]
            by_topic = prometheus.query(panel.queries[0].expr)
    assert sorted(lag) == [2.0, 5.0]
    assert by_topic == [7.0]
    assert len(targets) == 1, "the unannotated and the Pending pod must not be scraped"
    [target] = targets
    assert target["scrapeUrl"] == f"http://127.0.0.1:{exporter.port}/metrics"
    assert {k: target["labels"][k] for k in ("namespace", "pod", "app")} == {
        "namespace": "conveyor-pipeline", "pod": "kafka-exporter-7d9f", "app": "kafka-exporter"}
