"""A believable conveyor line: a small state machine whose speed ramps between states instead of jumping."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from conveyor_common.reading import STATES

MAX_SPEED_MS = 0.3
RAMP_MS = 0.05  # speed change per step while starting or stopping


@dataclass(slots=True)
class ConveyorLine:
    """One line; `step()` advances one reading period and returns (state, speed in m/s) for that period: the state
    the speed was measured in, so a line leaving `running` never reports a speed under `maintenance`."""

    line_id: str
    rng: random.Random = field(default_factory=random.Random)
    state: str = "stopped"
    speed_ms: float = 0.0
    target_ms: float = 0.0
    maintenance_left: int = 0

    def step(self) -> tuple[str, float]:
        measured_in = self.state
        STEPS[measured_in](self)
        # Clamped, and rounded to 0.1 mm/s, without min(), max() and round(), which cost several times more on
        # this path (a step per reading); an integer over 10 000 prints as the short decimal.
        speed = self.speed_ms
        speed = 0.0 if speed < 0.0 else MAX_SPEED_MS if speed > MAX_SPEED_MS else speed
        self.speed_ms = int(speed * 10_000 + 0.5) / 10_000
        return measured_in, self.speed_ms

    def _stopped(self) -> None:
        self.speed_ms = 0.0
        if self.rng.random() < 0.3:
            self.state, self.target_ms = "starting", self.rng.uniform(0.15, MAX_SPEED_MS)

    def _starting(self) -> None:
        self.speed_ms = min(self.speed_ms + RAMP_MS, self.target_ms)
        if self.speed_ms >= self.target_ms:
            self.state = "running"

    def _running(self) -> None:
        self.speed_ms = self.target_ms + self.rng.gauss(0.0, 0.01)
        roll = self.rng.random()
        if roll < 0.01:
            self.state, self.maintenance_left = "maintenance", self.rng.randint(3, 10)
        elif roll < 0.05:
            self.state = "stopping"

    def _stopping(self) -> None:
        self.speed_ms = max(self.speed_ms - RAMP_MS, 0.0)
        if self.speed_ms == 0.0:
            self.state = "stopped"

    def _maintenance(self) -> None:
        self.speed_ms = 0.0
        self.maintenance_left -= 1
        if self.maintenance_left <= 0:
            self.state = "stopped"


# Each state's step, looked up once here rather than by name on every reading.
STEPS: dict[str, Callable[[ConveyorLine], None]] = {state: getattr(ConveyorLine, f"_{state}") for state in STATES}
