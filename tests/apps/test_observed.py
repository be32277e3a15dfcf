"""A real Prometheus scrapes both apps; the rates the dashboards use are above zero."""

from __future__ import annotations

import pytest

from tests.fixtures.pipeline import RunningPipeline

pytestmark = pytest.mark.integration

RATES = ("rate(producer_messages_sent_total[1m])", "rate(processor_messages_consumed_total[1m])",
         "rate(processor_influxdb_writes_total[1m])")


@pytest.mark.parametrize("expr", RATES)
def test_prometheus_scraping_both_apps_sees_a_positive_rate(running_pipeline: RunningPipeline, expr: str) -> None:
    values = running_pipeline.prometheus.wait_for(expr, lambda found: bool(found) and min(found) > 0)
    assert values and min(values) > 0, f"{expr} returned {values}"


def test_prometheus_has_both_apps_up(running_pipeline: RunningPipeline) -> None:
    up = running_pipeline.prometheus.wait_for('up{job=~"producer|processor"}', lambda v: len(v) == 2 and min(v) == 1)
    assert up == [1.0, 1.0]


def test_logs_carry_the_words_the_log_searches_use(running_pipeline: RunningPipeline) -> None:
    running_pipeline.prometheus.wait_for("processor_influxdb_write_batches_total", lambda v: bool(v) and v[0] > 0)
    readings = [e for e in running_pipeline.producer.logs() if "Speed:" in str(e["message"])]
    assert readings and {"line", "speed", "topic", "time", "level", "service"} <= set(readings[0])
    writes = [e for e in running_pipeline.processor.logs() if "Writing to InfluxDB" in str(e["message"])]
    assert writes and writes[0]["service"] == "processor" and writes[0]["level"] == "info"


def test_processor_reports_end_to_end_latency_and_lag_per_partition(running_pipeline: RunningPipeline) -> None:
    latency = running_pipeline.prometheus.wait_for("processor_end_to_end_latency_seconds_count",
                                                   lambda v: bool(v) and v[0] > 0)
    assert latency[0] > 0
    lag = running_pipeline.prometheus.wait_for("processor_partition_lag", lambda v: len(v) == 3)
    assert len(lag) == 3 and min(lag) >= 0
