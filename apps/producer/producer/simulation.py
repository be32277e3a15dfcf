"""A believable conveyor line: a small state machine whose speed ramps between states instead of jumping."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

from conveyor_common.reading import STATES

MAX_SPEED_MS = 0.3
RAMP_MS = 0.05  # speed change per step while starting or stopping
NOISE_MS = 0.01  # standard deviation of a running line's speed around its target
# A running line's noise is drawn from these 4096 equally likely quantiles of the normal distribution: one
# getrandbits(12) per reading instead of a gauss() (several times slower, and there is a step per reading); the
# speed is then rounded to 0.1 mm/s, far coarser than the spacing of the quantiles near the mean.
NOISE_BITS = 12
NOISE = tuple(NormalDist(0.0, NOISE_MS).inv_cdf((n + 0.5) / 2**NOISE_BITS) for n in range(2**NOISE_BITS))


@dataclass(slots=True)
class ConveyorLine:
    """One line; `step()` advances one reading period and returns (line id, speed in m/s, state) for that period:
    the state the speed was measured in, so a line leaving `running` never reports a speed under `maintenance`."""

    line_id: str
    rng: random.Random = field(default_factory=random.Random)
    state: str = "stopped"
    speed_ms: float = 0.0
    target_ms: float = 0.0
    maintenance_left: int = 0

    def step(self) -> tuple[str, float, str]:
        measured_in = self.state
        STEPS[measured_in](self)
        # Clamped, and rounded to 0.1 mm/s, without min(), max() and round(), which cost several times more on
        # this path (a step per reading); an integer over 10 000 prints as the short decimal.
        speed = self.speed_ms
        speed = 0.0 if speed < 0.0 else MAX_SPEED_MS if speed > MAX_SPEED_MS else speed
        self.speed_ms = int(speed * 10_000 + 0.5) / 10_000
        return self.line_id, self.speed_ms, measured_in

    def _stopped(self) -> None:
        self.speed_ms = 0.0
        if self.rng.random() < 0.3:
            self.state, self.target_ms = "starting", self.rng.uniform(0.15, MAX_SPEED_MS)

    def _starting(self) -> None:
        self.speed_ms = min(self.speed_ms + RAMP_MS, self.target_ms)
        if self.speed_ms >= self.target_ms:
            self.state = "running"

    def _running(self) -> None:
        self.speed_ms = self.target_ms + NOISE[self.rng.getrandbits(NOISE_BITS)]
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
