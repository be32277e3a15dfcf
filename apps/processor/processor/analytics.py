"""Rolling analytics per conveyor line (mean, min, max over a time window) and simple anomaly flags."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from conveyor_common.reading import Reading

OVER_SPEED_MS = 0.3  # the conveyors' rated maximum
MOVING_MS = 0.01  # above this a line counts as moving
SUDDEN_CHANGE_MS = 0.1  # a jump larger than two ramp steps between consecutive readings


@dataclass(frozen=True)
class Analysis:
    mean_ms: float
    min_ms: float
    max_ms: float
    over_speed: bool
    moving_while_stopped: bool
    sudden_change: bool

    def anomalies(self) -> list[str]:
        return [name for name in ("over_speed", "moving_while_stopped", "sudden_change") if getattr(self, name)]


class Analytics:
    """One window per (producer, line): lines never mix, and two producers' line-1 are different simulations."""

    def __init__(self, window_s: float) -> None:
        self.window_ns = int(window_s * 1e9)
        self._windows: dict[tuple[str, str], deque[tuple[int, float]]] = {}

    def update(self, reading: Reading) -> Analysis:
        window = self._windows.setdefault((reading.producer, reading.line), deque())
        previous = window[-1][1] if window else None
        window.append((reading.event_time_ns, reading.speed_ms))
        while window[0][0] < reading.event_time_ns - self.window_ns:
            window.popleft()
        speeds = [speed for _, speed in window]
        return Analysis(
            mean_ms=sum(speeds) / len(speeds), min_ms=min(speeds), max_ms=max(speeds),
            over_speed=reading.speed_ms > OVER_SPEED_MS,
            moving_while_stopped=reading.state in ("stopped", "maintenance") and reading.speed_ms > MOVING_MS,
            sudden_change=previous is not None and abs(reading.speed_ms - previous) > SUDDEN_CHANGE_MS,
        )
