"""When each recorded output appears in the video: waits shortened so the film fits its length, whatever the drill took.

A drill mostly waits (for pods to come back, for data to flow). Each still stretch is first capped at `max_pause`;
if the whole is still longer than the video may be, every time is scaled down by the same factor, so the order and
the relative pace of what happened are kept. The final screen is held for `hold` seconds so it can be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    max_seconds: float = 180.0  # the longest the video may be (the seed's 3 minutes)
    fps: int = 10  # enough for a terminal: rich's Live view redraws 4 times a second
    max_pause: float = 2.0  # a longer still screen is cut to this
    hold: float = 2.0  # the last screen stays this long

    def __post_init__(self) -> None:
        if self.max_seconds <= 0 or self.fps < 1 or self.max_pause <= 0 or self.hold < 0:
            raise ValueError(f"invalid pacing {self}")


@dataclass(frozen=True)
class Schedule:
    """`frame_of[i]`: the frame from which event i shows; `frames` in all, at `fps`."""

    frame_of: tuple[int, ...]
    frames: int
    fps: int
    scale: float  # 1.0 when capping pauses sufficed, else the uniform speed-up applied after it

    @property
    def duration(self) -> float:
        return self.frames / self.fps


def compress(times: Sequence[float], max_pause: float, budget: float) -> tuple[list[float], float]:
    """Video times of events at `times` (ascending seconds): gaps capped at `max_pause`, then scaled to fit `budget`.

    Returns the new times and the scale factor applied after capping (1.0 when none was needed).
    """
    capped: list[float] = []
    previous = clock = 0.0
    for at in times:
        clock += min(max(at - previous, 0.0), max_pause)
        previous = at
        capped.append(clock)
    total = capped[-1] if capped else 0.0
    scale = budget / total if total > budget else 1.0
    return [at * scale for at in capped], scale


def schedule(times: Sequence[float], pacing: Pacing) -> Schedule:
    """Frames for events at `times`, never more than `max_seconds` of video (at least one frame)."""
    limit = max(1, math.floor(pacing.max_seconds * pacing.fps))
    hold = min(pacing.hold, pacing.max_seconds / 10)
    # The last event must land on a frame before the held tail: one frame period is kept spare for rounding up.
    budget = max(pacing.max_seconds - hold - 1 / pacing.fps, 0.0)
    video_times, scale = compress(times, pacing.max_pause, budget)
    frame_of = tuple(min(math.ceil(at * pacing.fps - 1e-9), limit - 1) for at in video_times)
    last = frame_of[-1] if frame_of else 0
    frames = min(limit, last + 1 + math.ceil(hold * pacing.fps))
    return Schedule(frame_of, frames, pacing.fps, scale)
