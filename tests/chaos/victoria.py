"""The drill's thin edge to VictoriaMetrics (the InfluxDB write API of the local tests): the stored readings from its
export API, for the drill's analysis, and an independent count computed by the database itself through its query
API (MetricsQL aggregations over the same samples). VictoriaMetrics names the field's series `conveyor_speed_seq`
and keeps millisecond timestamps."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from ca3cli.operations.chaos.model import Reading
from tests.fixtures.patience import CALL_GUARD_S
from tests.fixtures.servers import VictoriaMetrics

SERIES = "conveyor_speed_seq"


def selector(prefix: str) -> str:
    return f'{SERIES}{{producer=~"{prefix}.*"}}'


def parse_export(lines: list[dict[str, Any]]) -> list[Reading]:
    """Readings from `/api/v1/export` lines ({"metric", "values", "timestamps"}), repeats included."""
    return [Reading(series["metric"]["producer"], int(value), int(ms) * 1_000_000)
            for series in lines for value, ms in zip(series["values"], series["timestamps"], strict=True)]


def readings(vm: VictoriaMetrics, prefix: str) -> list[Reading]:
    return parse_export(vm.export(selector(prefix)))


def newest(vm: VictoriaMetrics, prefix: str, since_s: float = 30) -> float | None:
    """Unix seconds of the newest stored reading of the last `since_s` seconds."""
    vm._get("/internal/force_flush")
    start = f"{time.time() - since_s:.3f}"
    query = urllib.parse.urlencode({"match[]": selector(prefix), "start": start})
    with urllib.request.urlopen(f"{vm.url}/api/v1/export?{query}", timeout=CALL_GUARD_S) as response:
        lines = [json.loads(line) for line in response.read().splitlines() if line.strip()]
    stamps = [ms for series in lines for ms in series["timestamps"]]
    return max(stamps) / 1000 if stamps else None


@dataclass(frozen=True)
class DatabaseCount:
    """Per producer, as the database aggregates it: samples stored, distinct seq values, lowest and highest seq."""

    stored: dict[str, int]
    distinct: dict[str, int]
    lowest: dict[str, int]
    highest: dict[str, int]

    def lost(self, fresh: set[str]) -> int:
        """Seqs missing between the lowest (0 for a producer that started in the window) and the highest."""
        return sum(self.highest[p] - (0 if p in fresh else self.lowest[p]) + 1 - self.distinct[p]
                   for p in self.distinct)

    @property
    def duplicated(self) -> int:
        return sum(self.stored.values()) - sum(self.distinct.values())


def _by_producer(vm: VictoriaMetrics, expr: str) -> dict[str, int]:
    vm._get("/internal/force_flush")
    with urllib.request.urlopen(f"{vm.url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}",
                                timeout=CALL_GUARD_S) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return {item["metric"]["producer"]: int(float(item["value"][1])) for item in answer["data"]["result"]}


def database_count(vm: VictoriaMetrics, prefix: str, window_s: int) -> DatabaseCount:
    """The count by MetricsQL over the last `window_s` seconds (a seq lives in one series: its line and state)."""
    over = f"{selector(prefix)}[{window_s}s]"
    return DatabaseCount(
        _by_producer(vm, f"sum by (producer) (count_over_time({over}))"),
        _by_producer(vm, f"sum by (producer) (distinct_over_time({over}))"),
        _by_producer(vm, f"min by (producer) (min_over_time({over}))"),
        _by_producer(vm, f"max by (producer) (max_over_time({over}))"))
