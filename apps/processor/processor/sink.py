"""InfluxDB 2 writes through influxdb-client's synchronous API: a call returns only once the batch was accepted."""

from __future__ import annotations

from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS

from processor.analytics import Analysis
from conveyor_common.reading import Reading
from processor.settings import InfluxSettings

MEASUREMENT = "conveyor_speed"


def to_point(reading: Reading, analysis: Analysis) -> Point:
    """Series key (measurement, line, producer, state) + event time: a replayed reading overwrites itself."""
    point = (Point(MEASUREMENT)
             .tag("line", reading.line).tag("producer", reading.producer).tag("state", reading.state)
             .field("speed_ms", reading.speed_ms).field("seq", reading.seq)
             .field("mean_ms", analysis.mean_ms).field("min_ms", analysis.min_ms).field("max_ms", analysis.max_ms)
             .time(reading.event_time_ns, WritePrecision.NS))
    for name in ("over_speed", "moving_while_stopped", "sudden_change"):
        point.field(name, int(getattr(analysis, name)))
    return point


class InfluxSink:
    """Owns the client; HTTPS verifies the server against the configured CA and there is no way to skip that."""

    def __init__(self, settings: InfluxSettings) -> None:
        self.settings = settings
        self.client = InfluxDBClient(
            url=settings.url, token=settings.token, org=settings.org, timeout=settings.timeout_ms,
            verify_ssl=True, ssl_ca_cert=settings.ca_file, retries=False)
        self.write_api = self.client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: list[Point]) -> None:
        """Raises on any failure, so the caller never commits offsets for a batch that was not stored."""
        self.write_api.write(bucket=self.settings.bucket, org=self.settings.org, record=points,
                             write_precision=WritePrecision.NS)

    def ping(self) -> bool:
        return self.client.ping()

    def close(self) -> None:
        self.client.close()
