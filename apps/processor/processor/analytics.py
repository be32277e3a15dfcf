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


class Window:
    """Speeds of one line over a time window, with O(1) amortised mean, min and max (running sum and monotonic
    deques), so a batch of thousands of readings costs the same per reading as a single one."""

    def __init__(self, span_ns: int) -> None:
        self.span_ns = span_ns
        self.items: deque[tuple[int, float]] = deque()
        self.total = 0.0
        self.lows: deque[tuple[int, float]] = deque()
        self.highs: deque[tuple[int, float]] = deque()

    def add(self, time_ns: int, speed: float) -> None:
        self.items.append((time_ns, speed))
        self.total += speed
        while self.lows and self.lows[-1][1] >= speed:
            self.lows.pop()
        self.lows.append((time_ns, speed))
        while self.highs and self.highs[-1][1] <= speed:
            self.highs.pop()
        self.highs.append((time_ns, speed))
        self._expire(time_ns - self.span_ns)

    def _expire(self, oldest_ns: int) -> None:
        while self.items[0][0] < oldest_ns:
            self.total -= self.items.popleft()[1]
        for extremes in (self.lows, self.highs):
            while extremes[0][0] < oldest_ns:
                extremes.popleft()

    def stats(self) -> tuple[float, float, float]:
        """(mean, min, max) of the speeds in the window."""
        return max(self.total / len(self.items), 0.0), self.lows[0][1], self.highs[0][1]


class Analytics:
    """One window per (producer, line): lines never mix, and two producers' line-1 are different simulations."""

    def __init__(self, window_s: float) -> None:
        self.window_ns = int(window_s * 1e9)
        self._windows: dict[tuple[str, str], Window] = {}
        self._last: dict[tuple[str, str], float] = {}

    def update(self, reading: Reading) -> Analysis:
        key = (reading.producer, reading.line)
        window = self._windows.get(key) or self._windows.setdefault(key, Window(self.window_ns))
        previous = self._last.get(key)
        self._last[key] = reading.speed_ms
        window.add(reading.event_time_ns, reading.speed_ms)
        mean, low, high = window.stats()
        return Analysis(
            mean_ms=mean, min_ms=low, max_ms=high,
            over_speed=reading.speed_ms > OVER_SPEED_MS,
            moving_while_stopped=reading.state in ("stopped", "maintenance") and reading.speed_ms > MOVING_MS,
            sudden_change=previous is not None and abs(reading.speed_ms - previous) > SUDDEN_CHANGE_MS,
        )
