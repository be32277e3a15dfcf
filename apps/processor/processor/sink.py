"""InfluxDB 2 writes through influxdb-client's synchronous API: a call returns only once the batch was accepted.
A batch InfluxDB refuses as malformed (400, 413, 422) is split in halves until the refused points are found, so
every valid point still lands and only the refused ones are handed back (for the DLQ)."""

from __future__ import annotations

from functools import lru_cache

import msgspec
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


# Writes the floats of a batch: the shortest text that reads back as the same float, as repr() gives, in a tenth of
# its time (as the same number in another notation below 1e-4: 0.00001 for repr's 1e-05).
NUMBERS = msgspec.json.Encoder()


def to_lines(readings: list[Reading], analyses: list[Analysis]) -> list[str]:
    """Each reading and its analysis as one point in line protocol. Series key (measurement, line, producer,
    state) + event time in ns: a replayed reading overwrites itself. Written directly rather than through
    influxdb_client.Point, whose generic serialiser cost more than the whole rest of the processor per reading
    (and does not escape backslashes); a batch at a time, its floats all written by one msgspec call. Fields in
    sorted order, as influxdb-client's Point writes them (the tests compare against it)."""
    floats = NUMBERS.encode([number for reading, analysis in zip(readings, analyses, strict=True)
                             for number in (analysis.max_ms, analysis.mean_ms, analysis.min_ms, reading.speed_ms)])
    texts = floats[1:-1].decode().split(",")
    return [f"{series_key(reading.line, reading.producer, reading.state)}max_ms={max_ms},mean_ms={mean_ms},"
            f"min_ms={min_ms},moving_while_stopped={'1' if analysis.moving_while_stopped else '0'}i,"
            f"over_speed={'1' if analysis.over_speed else '0'}i,seq={reading.seq}i,speed_ms={speed_ms},"
            f"sudden_change={'1' if analysis.sudden_change else '0'}i {reading.event_time_ns}"
            for reading, analysis, max_ms, mean_ms, min_ms, speed_ms  # (no floats, no lines: texts is [""])
            in zip(readings, analyses, texts[0::4], texts[1::4], texts[2::4], texts[3::4], strict=False)]


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
