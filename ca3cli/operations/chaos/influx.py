"""Edge: the stored readings and the newest one, through InfluxDB's query API (Flux over HTTP, answered as CSV).
Building the queries and parsing the answers are pure; the token is sent, never shown."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ca3cli.edges.portforward import TlsTarget, request
from ca3cli.operations.chaos.model import Reading

MEASUREMENT, SEQ_FIELD, PRODUCER_TAG = "conveyor_speed", "seq", "producer"  # apps/processor/processor/sink.py
NEWEST_LOOKBACK = "-10m"


def _instant(unix_s: float) -> str:
    return f"{datetime.fromtimestamp(unix_s, UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def _seq_points(bucket: str, start: str) -> str:
    return (f'from(bucket: "{bucket}") |> range({start}) '
            f'|> filter(fn: (r) => r._measurement == "{MEASUREMENT}" and r._field == "{SEQ_FIELD}")')


def readings_query(bucket: str, start: float, stop: float) -> str:
    """Every stored seq point between two instants (Unix seconds), one table, with its producer tag."""
    return (_seq_points(bucket, f"start: {_instant(start)}, stop: {_instant(stop)}")
            + f' |> keep(columns: ["_time", "_value", "{PRODUCER_TAG}"]) |> group()')


def newest_query(bucket: str) -> str:
    """The event time of the newest stored reading of the last ten minutes."""
    return (_seq_points(bucket, f"start: {NEWEST_LOOKBACK}")
            + ' |> keep(columns: ["_time"]) |> group() |> sort(columns: ["_time"]) |> last(column: "_time")')


def rfc3339_ns(text: str) -> int:
    """Unix nanoseconds of an RFC 3339 UTC time with up to nine fractional digits (InfluxDB's `_time`)."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp())
    return seconds * 1_000_000_000 + int((fraction + "000000000")[:9])


def _rows(text: str) -> list[dict[str, str]]:
    """The rows of an annotated-CSV answer requested without annotations; blank lines separate tables."""
    return list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if line.strip()))))


def parse_readings(text: str) -> list[Reading]:
    return [Reading(row[PRODUCER_TAG], int(row["_value"]), rfc3339_ns(row["_time"]))
            for row in _rows(text) if row.get("_value") and row.get(PRODUCER_TAG)]


def parse_newest(text: str) -> float | None:
    times = [rfc3339_ns(row["_time"]) for row in _rows(text) if row.get("_time")]
    return max(times) / 1e9 if times else None


@dataclass(frozen=True)
class InfluxReader:
    """InfluxDB reached at `base()` (a port-forward's `http(s)://127.0.0.1:N`), queried with a token allowed to
    read the bucket; `tls()` gives how to verify it (read on first use, so a missing CA fails the query that needs
    it, with its reason, not the drill before it starts)."""

    base: Callable[[], str]
    org: str
    bucket: str
    token: str
    tls: Callable[[], TlsTarget | None] = lambda: None

    def query(self, flux: str) -> str:
        body = json.dumps({"query": flux, "type": "flux", "dialect": {"header": True, "annotations": []}}).encode()
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json",
                   "Accept": "application/csv"}
        url = f"{self.base()}/api/v2/query?org={urllib.parse.quote(self.org)}"
        return request(url, "POST", body, headers, timeout=15, tls=self.tls()).decode()

    def newest(self) -> float | None:
        return parse_newest(self.query(newest_query(self.bucket)))

    def readings(self, start: float, stop: float) -> list[Reading]:
        return parse_readings(self.query(readings_query(self.bucket, start, stop)))
