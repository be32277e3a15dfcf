"""The rendered rule file, loaded by a real Prometheus next to the rendered pod-discovery job: every rule evaluates
without error on the labels the relabelling really produces, and the right ones turn pending.

The targets are static pods shaped like Kubernetes pod discovery output (see test_prometheus_relabel_live.py): a
kafka-exporter stand-in answering with a constant high lag, and producer and processor pods whose port is closed.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from tests.fixtures.patience import CALL_GUARD_S, HANG_GUARD_S
from tests.fixtures.servers import Prometheus, ServerProcess, free_port, require, running
from tests.observability.helpers import config_text, rendered
from tests.observability.test_prometheus_relabel_live import pod, rendered_job_on, wait_ready
from tests.validate.recorded_api import serve

pytestmark = pytest.mark.integration

RULES_KEY = "alert-rules.yml"
# Above the default lag threshold (500) but not growing: the lag alert's first half holds, its second does not.
EXPORTER_METRICS = (
    "# TYPE kafka_consumergroup_lag gauge\n"
    'kafka_consumergroup_lag{consumergroup="processor",partition="0",topic="conveyor-speed"} 900\n'
)


def api(prometheus: Prometheus, path: str) -> Any:
    with urllib.request.urlopen(f"{prometheus.url}/api/v1/{path}", timeout=CALL_GUARD_S) as response:
        return json.load(response)["data"]


def evaluated_rules(prometheus: Prometheus) -> list[dict[str, Any]]:
    return [rule for group in api(prometheus, "rules")["groups"] for rule in group["rules"]]


def test_prometheus_loads_the_rules_and_marks_the_unreachable_apps_pending(tmp_path):
    text = config_text(rendered(3), "prometheus-configmap.yaml", RULES_KEY)
    (tmp_path / RULES_KEY).write_text(text)
    closed = free_port()
    with serve({"/metrics": (200, EXPORTER_METRICS)}) as exporter:
        config = rendered_job_on([pod("kafka-exporter-7d9f", "kafka-exporter", exporter.port),
                                  pod("producer-7c9d-x2", "producer", closed),
                                  pod("processor-5f6a-k1", "processor", closed)])
        config["global"]["evaluation_interval"] = "1s"
        config["rule_files"] = [RULES_KEY]  # relative, read beside the config file as in the mounted ConfigMap
        (tmp_path / "prometheus.yml").write_text(json.dumps(config))
        port = free_port()
        server = ServerProcess("prometheus", [require("prometheus"), f"--config.file={tmp_path / 'prometheus.yml'}",
                                              f"--storage.tsdb.path={tmp_path / 'data'}",
                                              f"--web.listen-address=127.0.0.1:{port}"], port, tmp_path / "prom.log")
        with running(server):
            prometheus = Prometheus(server)
            wait_ready(prometheus)
            # Two scrapes and evaluations after the lag was first seen, so delta() has two samples to compare.
            prometheus.wait_for('count_over_time(kafka_consumergroup_lag{group="processor"}[1m])',
                                lambda v: bool(v) and v[0] >= 3)
            deadline = time.monotonic() + HANG_GUARD_S
            while (pending := {a["labels"]["alertname"] for a in api(prometheus, "alerts")["alerts"]}) < {
                    "ProducerScrapeFailing", "ProcessorScrapeFailing"} and time.monotonic() < deadline:
                time.sleep(1)
            rules = evaluated_rules(prometheus)
    assert {rule["name"] for rule in rules} == {line.split(": ", 1)[1] for line in text.splitlines()
                                                if line.strip().startswith("- alert: ")}
    assert [(rule["name"], rule.get("lastError")) for rule in rules if rule["health"] != "ok"] == []
    assert {"ProducerScrapeFailing", "ProcessorScrapeFailing", "ProducerAbsent", "ProcessorAbsent"} <= pending
    assert not pending & {"KafkaExporterScrapeFailing", "KafkaExporterAbsent", "ConsumerLagHighAndGrowing"}
