"""Edge: where the drill reads the data path from: the newest stored reading and the stored readings (InfluxDB),
and consumer lag (Prometheus). Port-forwards are reopened after a failure: deleting the pod behind one ends it.

A read that fails raises Unreadable with the one sentence a verdict shows ("could not query InfluxDB: <why>"), so
the drill can tell "no reading is stored" from "the database could not be asked"."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import answers, outage
from ca3cli.edges.portforward import Reforward
from ca3cli.operations.chaos.influx import InfluxReader
from ca3cli.operations.chaos.model import Reading
from ca3cli.operations.chaos.why import why
from ca3cli.operations.loadtest.cluster import PROMQL

T = TypeVar("T")
INFLUXDB, PROMETHEUS = "InfluxDB", "Prometheus"


class Unreadable(Ca3Error):
    """The data path could not be read: the query failed, its port-forward was refused or an object it needs is
    missing. The message is the whole verdict: `could not query InfluxDB: <why>`."""


def unreadable(source: str, exc: Ca3Error) -> Unreadable:
    return Unreadable(f"could not query {source}: {why(exc)}")


class Data(Protocol):
    """What the runner asks of the data path. Each read raises Unreadable when it could not be made."""

    def newest(self) -> float | None: ...  # Unix seconds of the newest stored reading; None: nothing stored

    def lag(self) -> float | None: ...  # None: no lag series (no Prometheus at this milestone, no kafka-exporter)

    def readings(self, start: float, stop: float) -> list[Reading]: ...  # between two Unix instants


@dataclass
class ClusterData:
    """InfluxDB through one port-forward and, from milestone 2, Prometheus through another (None before it)."""

    influx: InfluxReader
    influx_forward: Reforward
    prometheus: Reforward | None

    def _read(self, source: str, via: Reforward, read: Callable[[], T]) -> T:
        try:
            return read()
        except Ca3Error as exc:  # HTTP, port-forward and kubectl failures, and a missing CA
            via.reset()
            if outage.unreachable_reason(exc) is not None:
                raise  # the API server did not answer the port-forward: the runner rides that out
            raise unreadable(source, exc) from None

    def newest(self) -> float | None:
        return self._read(INFLUXDB, self.influx_forward, self.influx.newest)

    def lag(self) -> float | None:
        prometheus = self.prometheus
        if prometheus is None:
            return None

        def read() -> float | None:
            url = prometheus.base() + "/api/v1/query?" + urllib.parse.urlencode({"query": PROMQL["lag"]})
            result = answers.vector(url)
            return sum(float(s["value"][1]) for s in result) if result else None

        return self._read(PROMETHEUS, prometheus, read)

    def readings(self, start: float, stop: float) -> list[Reading]:
        """Tried twice (the pod behind the forward may have been replaced): a count that silently read nothing
        would say no loss."""
        try:
            return self.influx.readings(start, stop)
        except Ca3Error:
            self.influx_forward.reset()
        return self._read(INFLUXDB, self.influx_forward, lambda: self.influx.readings(start, stop))

    def close(self) -> None:
        self.influx_forward.reset()
        if self.prometheus is not None:
            self.prometheus.reset()
