"""The data path as the runner reads it, for stand-in drills: InfluxDB 2 cannot run here, so the stored readings
are a recorded list and the newest reading is always "now" (data flowing). `interrupt_at` sends this process a
real SIGINT at that newest() call, which is how Ctrl-C reaches the drill."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, field

from ca3cli.operations.chaos.model import Reading


@dataclass
class Flowing:
    stored: list[Reading] = field(default_factory=list)
    lag_value: float | None = 3.0
    interrupt_at: int | None = None
    calls: int = 0
    asked: list[tuple[float, float]] = field(default_factory=list)

    def newest(self) -> float | None:
        self.calls += 1
        if self.calls == self.interrupt_at:
            signal.raise_signal(signal.SIGINT)
        return time.time()

    def lag(self) -> float | None:
        return self.lag_value

    def readings(self, start: float, stop: float) -> list[Reading]:
        self.asked.append((start, stop))
        return self.stored
