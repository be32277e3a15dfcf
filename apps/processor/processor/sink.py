"""InfluxDB 2 writes through influxdb-client's synchronous API: a call returns only once the batch was accepted.
A batch InfluxDB refuses as malformed (400, 413, 422) is split in halves until the refused points are found, so
every valid point still lands and only the refused ones are handed back (for the DLQ)."""

from __future__ import annotations

from functools import lru_cache

from conveyor_common.reading import Reading
from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

from processor.analytics import Analysis
from processor.settings import InfluxSettings

MEASUREMENT = "conveyor_speed"
# Statuses that mean "this data is wrong", not "the server or its configuration is": only these are bisected.
# 401, 403 and 404 (token, permissions, bucket) would refuse every point, so they are retried like a 5xx.
REFUSED_STATUSES = frozenset({400, 413, 422})

# Line protocol escapes of tag values; the backslash first, so "a\" cannot escape the comma after it.
TAG_ESCAPES = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\=", " ": "\\ "})


@lru_cache(maxsize=4096)
def series_key(line: str, producer: str, state: str) -> str:
    """The measurement and escaped tags of one series, and the space after them (cached: a line's readings share
    them, and escaping costs per reading)."""
    return f"{MEASUREMENT},line={line.translate(TAG_ESCAPES)},producer={producer.translate(TAG_ESCAPES)},state={state} "


def to_line(reading: Reading, analysis: Analysis) -> str:
    """One point in line protocol. Series key (measurement, line, producer, state) + event time in ns: a replayed
    reading overwrites itself. Written directly rather than through influxdb_client.Point, whose generic
    serialiser cost more than the whole rest of the processor per reading (and does not escape backslashes)."""
    # Keys in sorted order, as influxdb-client's Point writes them (the tests compare against it); the flags as
    # literal digits, which format faster than a bool through :d.
    return (f"{series_key(reading.line, reading.producer, reading.state)}max_ms={analysis.max_ms!r},"
            f"mean_ms={analysis.mean_ms!r},min_ms={analysis.min_ms!r},"
            f"moving_while_stopped={'1' if analysis.moving_while_stopped else '0'}i,"
            f"over_speed={'1' if analysis.over_speed else '0'}i,seq={reading.seq}i,speed_ms={reading.speed_ms!r},"
            f"sudden_change={'1' if analysis.sudden_change else '0'}i {reading.event_time_ns}")


def refusal(error: ApiException) -> str:
    """A short reason for the DLQ header: the status and the start of InfluxDB's message."""
    body = error.body.decode(errors="replace") if isinstance(error.body, bytes) else str(error.body or error.reason)
    return f"InfluxDB refused the point: HTTP {error.status}: {body[:200]}"


class InfluxSink:
    """Owns the client; HTTPS verifies the server against the configured CA and there is no way to skip that."""

    def __init__(self, settings: InfluxSettings) -> None:
        self.settings = settings
        self.client = InfluxDBClient(
            url=settings.url, token=settings.token, org=settings.org, timeout=settings.timeout_ms,
            verify_ssl=True, ssl_ca_cert=settings.ca_file, retries=False)
        self.write_api = self.client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: list[str]) -> dict[int, str]:
        """Store every point InfluxDB accepts; returns {index: reason} of those it refused as malformed. Any other
        failure raises, so the caller never commits offsets for a valid point that was not stored."""
        refused: dict[int, str] = {}
        self._write_range(points, 0, len(points), refused)
        return refused

    def _write_range(self, points: list[str], start: int, stop: int, refused: dict[int, str]) -> None:
        try:
            # One joined body: influxdb-client walks a list of records one by one, at a cost per point.
            self.write_api.write(bucket=self.settings.bucket, org=self.settings.org,
                                 record="\n".join(points[start:stop]),
                                 write_precision=WritePrecision.NS)  # type: ignore[arg-type]  # str constants
        except ApiException as error:
            if error.status not in REFUSED_STATUSES:
                raise
            if stop - start == 1:
                refused[start] = refusal(error)
                return
            middle = (start + stop) // 2  # points before a bad one may be stored already: rewriting is idempotent
            self._write_range(points, start, middle, refused)
            self._write_range(points, middle, stop, refused)

    def ping(self) -> bool:
        return self.client.ping()

    def close(self) -> None:
        self.client.close()
