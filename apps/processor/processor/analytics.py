"""Rolling analytics per conveyor line (mean, min, max over a time window) and simple anomaly flags, in bounded
memory whatever the input: windows of idle lines expire, and the number of lines and of readings held are
capped (the least recently updated line is evicted first, and counted)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from conveyor_common.reading import Reading

OVER_SPEED_MS = 0.3  # the conveyors' rated maximum
MOVING_MS = 0.01  # above this a line counts as moving
SUDDEN_CHANGE_MS = 0.1  # a jump larger than two ramp steps between consecutive readings
FLAGS = ("over_speed", "moving_while_stopped", "sudden_change")  # the anomaly flags of an Analysis, in order


class Analysis(msgspec.Struct, frozen=True, gc=False):
    """The statistics and anomaly flags of one reading (a msgspec Struct: one is built per message, and a
    NamedTuple built by keyword costs several times more)."""

    mean_ms: float
    min_ms: float
    max_ms: float
    over_speed: bool
    moving_while_stopped: bool
    sudden_change: bool

    def anomalies(self) -> list[str]:
        if not (self.over_speed or self.moving_while_stopped or self.sudden_change):
            return []  # the common case, decided without building anything
        return [name for name in FLAGS if getattr(self, name)]


@dataclass(frozen=True)
class Limits:
    """How much the analytics may hold: `idle_s` of processing time without a reading expires a line's window;
    beyond `max_lines` windows or `max_readings` readings in all, the least recently updated go first."""

    window_s: float
    idle_s: float
    max_lines: int
    max_readings: int


class Window:
    """Speeds of one line over a time window, with O(1) amortised mean, min and max (running sum and monotonic
    deques of (position, speed)), so a batch of thousands of readings costs the same per reading as one. Readings
    are added by Analytics.update_all."""

    __slots__ = ("highs", "items", "lows", "next_position", "previous", "seen", "total")

    def __init__(self) -> None:
        self.items: deque[tuple[int, int, float]] = deque()  # (position, event time, speed)
        self.total = 0.0
        self.lows: deque[tuple[int, float]] = deque()
        self.highs: deque[tuple[int, float]] = deque()
        self.next_position = 0
        self.previous: float | None = None
        self.seen = 0.0  # monotonic time of the latest reading

    def drop_oldest(self) -> None:
        self.total -= self.items.popleft()[2]
        first = self.items[0][0] if self.items else self.next_position
        for extremes in (self.lows, self.highs):
            while extremes and extremes[0][0] < first:
                extremes.popleft()


class Analytics:
    """One window per (producer, line): lines never mix, and two producers' line-1 are different simulations.
    `on_evict(reason)` is called for every window dropped ("idle" or "capacity")."""

    def __init__(self, limits: Limits, on_evict: Callable[[str], None] = lambda reason: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.window_ns = int(limits.window_s * 1e9)
        self.on_evict = on_evict
        self.clock = clock
        self._windows: OrderedDict[tuple[str, str], Window] = OrderedDict()  # least recently updated first
        self.readings = 0  # held in all windows
        # No window can have idled out before this time: the least recently updated window's `seen` only grows,
        # so most updates skip looking for idle windows at all.
        self._idle_at = float("-inf")

    @property
    def lines(self) -> int:
        return len(self._windows)

    def update(self, reading: Reading) -> Analysis:
        return self.update_all([reading])[0]

    def update_all(self, readings: list[Reading]) -> list[Analysis]:
        """Each reading's analysis, in order. A window's update is written out in this loop rather than called
        (it runs per message). The processing-time clock, which only decides when idle windows expire, is read
        once per batch: a batch takes well under a second."""
        windows, limits, window_ns, move_to_end = self._windows, self.limits, self.window_ns, self._windows.move_to_end
        analyses: list[Analysis] = []
        append = analyses.append
        now, held, idle_at = self.clock(), self.readings, self._idle_at
        try:
            for reading in readings:
                key = (reading.producer, reading.line)
                window = windows.get(key)
                if window is None:
                    window = windows[key] = Window()
                else:
                    move_to_end(key)
                window.seen = now
                speed, time_ns = reading.speed_ms, reading.event_time_ns
                previous, window.previous = window.previous, speed
                # Add the speed: running sum, and the monotonic deques of (position, speed) that give min and max.
                position = window.next_position
                window.next_position = position + 1
                items, lows, highs = window.items, window.lows, window.highs
                items.append((position, time_ns, speed))
                window.total += speed
                while lows and lows[-1][1] >= speed:
                    lows.pop()
                lows.append((position, speed))
                while highs and highs[-1][1] <= speed:
                    highs.pop()
                highs.append((position, speed))
                held += 1
                oldest_ns = time_ns - window_ns
                while items[0][1] < oldest_ns:  # readings that left the window (event time)
                    window.drop_oldest()
                    held -= 1
                if now >= idle_at or len(windows) > limits.max_lines or held > limits.max_readings:
                    self.readings = held
                    self._shrink(now, window)
                    held, idle_at = self.readings, self._idle_at
                mean = window.total / len(items)
                append(Analysis(
                    mean if mean > 0.0 else 0.0, lows[0][1], highs[0][1],
                    speed > OVER_SPEED_MS,
                    speed > MOVING_MS and reading.state in ("stopped", "maintenance"),
                    previous is not None and abs(speed - previous) > SUDDEN_CHANGE_MS,
                ))
        finally:  # the count stays true even if a reading raised halfway (prepare_one_by_one)
            self.readings = held
        return analyses

    def _shrink(self, now: float, current: Window) -> None:
        """Expire idle windows and evict the least recently updated beyond the caps; the current window is
        never evicted, only trimmed to its newest readings if it alone holds more than `max_readings`."""
        limits, windows = self.limits, self._windows
        while len(windows) > 1:
            oldest = next(iter(windows.values()))
            if oldest.seen >= now - limits.idle_s and len(windows) <= limits.max_lines \
                    and self.readings <= limits.max_readings:
                self._idle_at = oldest.seen + limits.idle_s
                return
            windows.popitem(last=False)
            self.readings -= len(oldest.items)
            self.on_evict("idle" if oldest.seen < now - limits.idle_s else "capacity")
        while self.readings > limits.max_readings:
            current.drop_oldest()
            self.readings -= 1
        self._idle_at = current.seen + limits.idle_s
