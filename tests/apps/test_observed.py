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
