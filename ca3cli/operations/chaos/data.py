"""Edge: where the drill reads the data path from: the newest stored reading and the stored readings (InfluxDB),
and consumer lag (Prometheus). Port-forwards are reopened after a failure: deleting the pod behind one ends it."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ca3cli.edges.kube import Kubectl
from ca3cli.edges.portforward import Forward, HttpError, PortForwardError, forward, get_json
from ca3cli.operations.chaos.influx import InfluxReader
from ca3cli.operations.chaos.model import Reading
from ca3cli.operations.loadtest.cluster import PROMQL

T = TypeVar("T")


class Data(Protocol):
    """What the runner asks of the data path; None when it could not be read right now."""

    def newest(self) -> float | None: ...  # Unix seconds of the newest stored reading

    def lag(self) -> float | None: ...

    def readings(self, start: float, stop: float) -> list[Reading]: ...  # between two Unix instants


class Reforward:
    """A port-forward opened on first use and reopened after `reset()` (its pod was replaced)."""

    def __init__(self, kubectl: Kubectl, target: str, port: int, scheme: str = "http") -> None:
        self.kubectl, self.target, self.port, self.scheme = kubectl, target, port, scheme
        self._manager: AbstractContextManager[Forward] | None = None
        self._forward: Forward | None = None

    def base(self) -> str:
        if self._forward is None:
            self._manager = forward(self.kubectl, self.target, self.port)
            self._forward = self._manager.__enter__()
        return self._forward.url("", self.scheme)

    def reset(self) -> None:
        manager, self._manager, self._forward = self._manager, None, None
        if manager is not None:
            manager.__exit__(None, None, None)


@dataclass
class ClusterData:
    influx: InfluxReader
    influx_forward: Reforward
    prometheus: Reforward

    def _try(self, via: Reforward, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except (HttpError, PortForwardError):
            via.reset()
            return None

    def newest(self) -> float | None:
        return self._try(self.influx_forward, self.influx.newest)

    def lag(self) -> float | None:
        def read() -> float | None:
            url = self.prometheus.base() + "/api/v1/query?" + urllib.parse.urlencode({"query": PROMQL["lag"]})
            result = get_json(url)["data"]["result"]
            return sum(float(s["value"][1]) for s in result) if result else None

        return self._try(self.prometheus, read)

    def readings(self, start: float, stop: float) -> list[Reading]:
        """Raises HttpError when InfluxDB does not answer: a count that silently read nothing would say no loss."""
        try:
            return self.influx.readings(start, stop)
        except (HttpError, PortForwardError):
            self.influx_forward.reset()
            return self.influx.readings(start, stop)

    def close(self) -> None:
        self.influx_forward.reset()
        self.prometheus.reset()
