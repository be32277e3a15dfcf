"""Every PromQL expression of the generated `CA3 Pipeline Metrics` dashboard, evaluated by a real Prometheus that
scrapes the real producer and processor (running against Tansu Kafka and victoria-metrics)."""

from __future__ import annotations

import json
import re

import pytest

from ca3cli.core.dashboards import catalogue

pytestmark = pytest.mark.integration

# Grafana turns $__rate_interval into at least four scrape intervals; the fixture's Prometheus scrapes every second.
RATE_WINDOW = "15s"
# kafka-exporter does not run here, and `up{job="kubernetes-pods"}` needs pod discovery: these parse but are empty.
ABSENT_HERE = ("kafka_consumergroup_lag", 'job="kubernetes-pods"')
MUST_BE_POSITIVE = ("Producer rate (events/s)", "Processor consume rate (messages/s)", "InfluxDB writes (points/s)")


def panel_queries() -> list[tuple[str, str]]:
    return [(panel.title, query.expr.replace(catalogue.RATE, RATE_WINDOW))
            for panel in catalogue.pipeline_dashboard().panels for query in panel.queries]


@pytest.mark.parametrize("title", MUST_BE_POSITIVE)
def test_throughput_panels_show_values_above_zero(running_pipeline, title):
    [expr] = [expr for panel, expr in panel_queries() if panel == title]
    values = running_pipeline.prometheus.wait_for(expr, lambda v: bool(v) and v[0] > 0, timeout_s=90)
    assert values and values[0] > 0, f"{title}: {expr} returned {values}"


def test_every_panel_expression_evaluates_without_error(running_pipeline):
    running_pipeline.prometheus.wait_for(panel_queries()[0][1], bool, timeout_s=60)
    for _title, expr in panel_queries():
        running_pipeline.prometheus.query(expr)  # raises when Prometheus rejects the expression


def test_every_app_metric_the_dashboard_reads_is_exported_by_the_apps(running_pipeline):
    names = {name for _, expr in panel_queries() if not any(a in expr for a in ABSENT_HERE)
             for name in re.findall(r"\b((?:producer|processor)_[a-z_]+)", expr)}
    assert names, "the dashboard must read app metrics"
    missing = [name for name in sorted(names)
               if not running_pipeline.prometheus.wait_for(f'count({{__name__="{name}"}})', bool, timeout_s=60)]
    assert missing == []


def test_latency_p95_is_a_finite_number_once_points_are_written(running_pipeline):
    [expr] = [expr for panel, expr in panel_queries() if panel == "End-to-end latency p95"]
    values = running_pipeline.prometheus.wait_for(expr, lambda v: bool(v) and v[0] == v[0], timeout_s=90)
    assert values and 0 < values[0] < 300


def test_the_speed_dashboard_reads_the_measurement_and_field_the_processor_writes(running_pipeline):
    # victoria-metrics names what the processor writes `<measurement>_<field>`, tagged with the line.
    series = f"{catalogue.MEASUREMENT}_{catalogue.SPEED_FIELD}"
    influx = running_pipeline.influx
    running_pipeline.prometheus.wait_for(panel_queries()[2][1], lambda v: bool(v) and v[0] > 0, timeout_s=90)
    influx._get("/internal/force_flush")
    stored = [json.loads(line) for line in influx._get("/api/v1/export", **{"match[]": series}).splitlines() if line]
    assert stored, f"the processor wrote no {series} series"
    assert all("line" in item["metric"] for item in stored), "the Flux query groups by the `line` tag"
