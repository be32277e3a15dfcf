"""The dashboards ca3 provisions: conveyor speed (InfluxDB, milestone 1), pipeline metrics (Prometheus, milestone 4)
and log searches (Loki, milestone 5). Metric names are the apps' own (apps/*/metrics.py) plus kafka-exporter's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ca3cli.core.dashboards.model import INFLUXDB, LOKI, PROMETHEUS, Dashboard, Panel, Query

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

# The processor's InfluxDB measurement and field (apps/processor/processor/sink.py).
MEASUREMENT = "conveyor_speed"
SPEED_FIELD = "speed_ms"
# Grafana replaces this with a window of at least four scrape intervals; tests substitute a fixed window.
RATE = "$__rate_interval"

SPEED_UID = "ca3-conveyor-speed"
PIPELINE_UID = "ca3-pipeline"
PIPELINE_TITLE = "CA3 Pipeline Metrics"
LOGS_UID = "ca3-logs"
ERRORS_PANEL = "Log lines containing error"


def _flux(bucket: str, tail: str) -> str:
    """A Flux query over the conveyor speed field of `bucket`, finished by `tail`."""
    return (
        f'from(bucket: "{bucket}")\n'
        "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n"
        f'  |> filter(fn: (r) => r._measurement == "{MEASUREMENT}" and r._field == "{SPEED_FIELD}")\n'
        '  |> group(columns: ["line"])\n'
        f"  |> {tail}"
    )


def speed_dashboard(settings: Settings) -> Dashboard:
    """Milestone 1: belt speed per conveyor line, straight from InfluxDB."""
    bucket = settings.influxdb.bucket
    return Dashboard(SPEED_UID, "Conveyor Speed", (
        Panel("Belt speed per line", "Mean speed per conveyor line in each window (m/s).", INFLUXDB,
              (Query(_flux(bucket, "aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)")),),
              unit="velocityms"),
        Panel("Latest speed per line", "The last reading of each conveyor line (m/s).", INFLUXDB,
              (Query(_flux(bucket, "last()")),), unit="velocityms", kind="stat"),
    ))


def _rate(metric: str) -> str:
    return f"sum(rate({metric}[{RATE}]))"


PIPELINE_PANELS = (
    Panel("Producer rate (events/s)", "Readings Kafka acknowledged per second, all producer pods.", PROMETHEUS,
          (Query(_rate("producer_messages_sent_total"), "sent"),), unit="ops"),
    Panel("Processor consume rate (messages/s)", "Messages the processor polled from Kafka per second.", PROMETHEUS,
          (Query(_rate("processor_messages_consumed_total"), "consumed"),), unit="ops"),
    Panel("InfluxDB writes (points/s)", "Points InfluxDB accepted from the processor per second.", PROMETHEUS,
          (Query(_rate("processor_influxdb_writes_total"), "points written"),), unit="ops"),
    Panel("Consumer lag (messages)", "kafka-exporter's lag of consumer group `processor`, per topic.", PROMETHEUS,
          (Query('sum by (topic) (kafka_consumergroup_lag{group="processor"})', "{{topic}}"),)),
    Panel("End-to-end latency p95", "95th percentile from a reading's event time to InfluxDB accepting it.",
          PROMETHEUS,
          (Query("histogram_quantile(0.95, sum by (le) "
                 f"(rate(processor_end_to_end_latency_seconds_bucket[{RATE}])))", "p95"),), unit="s"),
    Panel("Errors and invalid messages (/s)", "Failed sends, failed InfluxDB writes (retried), messages sent to "
          "the dead-letter topic and offsets the client could not read (also to the DLQ).", PROMETHEUS, (
              Query(_rate("producer_messages_failed_total"), "producer readings lost"),
              Query(_rate("processor_influxdb_write_errors_total"), "InfluxDB write errors"),
              Query(_rate("processor_invalid_messages_total"), "invalid messages (DLQ)"),
              Query(_rate("processor_unreadable_offsets_total"), "unreadable offsets (DLQ)"),
          ), unit="ops"),
    Panel("Replicas", "Producer and processor pods Prometheus scrapes successfully.", PROMETHEUS, (
        Query('count(up{job="kubernetes-pods", app="producer"} == 1)', "producer"),
        Query('count(up{job="kubernetes-pods", app="processor"} == 1)', "processor"),
    ), width=24),
)


def pipeline_dashboard() -> Dashboard:
    """Milestone 4: the seed's `CA3 Pipeline Metrics` dashboard, refreshed every 5 s."""
    return Dashboard(PIPELINE_UID, PIPELINE_TITLE, PIPELINE_PANELS, refresh="5s")


def logs_dashboard(settings: Settings) -> Dashboard:
    """Milestone 5: the seed's log searches as panels, so they are one click away (and renderable as evidence)."""
    scope = f'namespace="{settings.namespace}"'
    searches = (
        ("All pipeline logs", f"{{{scope}}}"),
        ("Producer logs", f'{{{scope}, app="producer"}}'),
        ("Readings (Speed:)", f'{{{scope}}} |= "Speed:"'),
        ("Writing to InfluxDB", f'{{{scope}}} |= "Writing to InfluxDB"'),
        (ERRORS_PANEL, f'{{{scope}}} |~ "(?i)error"'),
    )
    return Dashboard(LOGS_UID, "CA3 Logs", tuple(
        Panel(title, f"Loki: {expr}", LOKI, (Query(expr),), kind="logs") for title, expr in searches
    ), refresh="10s", time_from="now-1h")


def dashboards(settings: Settings, features: Mapping[str, bool]) -> list[Dashboard]:
    """The dashboards a milestone provisions: speed always, pipeline metrics from 4, logs from 5."""
    boards = [speed_dashboard(settings)]
    if features["dashboards"]:
        boards.append(pipeline_dashboard())
    if features["logging"]:
        boards.append(logs_dashboard(settings))
    return boards
