"""InfluxDB 2 writes through influxdb-client's synchronous API: a call returns only once the batch was accepted."""

from __future__ import annotations

from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS

from processor.analytics import Analysis
from conveyor_common.reading import Reading
from processor.settings import InfluxSettings

MEASUREMENT = "conveyor_speed"


TAG_ESCAPES = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ "})
FLAGS = ("over_speed", "moving_while_stopped", "sudden_change")


def to_line(reading: Reading, analysis: Analysis) -> str:
    """One point in line protocol. Series key (measurement, line, producer, state) + event time in ns: a replayed
    reading overwrites itself. Written directly rather than through influxdb_client.Point, whose generic
    serialiser cost more than the whole rest of the processor per reading."""
    tags = (f"line={reading.line.translate(TAG_ESCAPES)},producer={reading.producer.translate(TAG_ESCAPES)},"
            f"state={reading.state}")
    flag = {name: int(getattr(analysis, name)) for name in FLAGS}
    # Keys in sorted order, as influxdb-client's Point writes them (the tests compare against it).
    return (f"{MEASUREMENT},{tags} max_ms={analysis.max_ms!r},mean_ms={analysis.mean_ms!r},"
            f"min_ms={analysis.min_ms!r},moving_while_stopped={flag['moving_while_stopped']}i,"
            f"over_speed={flag['over_speed']}i,seq={reading.seq}i,speed_ms={reading.speed_ms!r},"
            f"sudden_change={flag['sudden_change']}i {reading.event_time_ns}")


class InfluxSink:
    """Owns the client; HTTPS verifies the server against the configured CA and there is no way to skip that."""

    def __init__(self, settings: InfluxSettings) -> None:
        self.settings = settings
        self.client = InfluxDBClient(
            url=settings.url, token=settings.token, org=settings.org, timeout=settings.timeout_ms,
            verify_ssl=True, ssl_ca_cert=settings.ca_file, retries=False)
        self.write_api = self.client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: list[str]) -> None:
        """Raises on any failure, so the caller never commits offsets for a batch that was not stored."""
        self.write_api.write(bucket=self.settings.bucket, org=self.settings.org, record=points,
                             write_precision=WritePrecision.NS)

    def ping(self) -> bool:
        return self.client.ping()

    def close(self) -> None:
        self.client.close()
