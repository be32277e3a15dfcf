"""Waits are shortened so any drill fits the video, keeping the order and relative pace of what happened."""

from __future__ import annotations

import pytest

from ca3cli.edges.recording.timing import Pacing, compress, schedule


def test_pauses_are_capped_and_short_gaps_kept() -> None:
    times, scale = compress([0.5, 1.0, 600.0, 600.25], max_pause=2.0, budget=100.0)
    assert times == pytest.approx([0.5, 1.0, 3.0, 3.25])
    assert scale == 1.0


def test_a_busy_twenty_minute_drill_is_scaled_uniformly_to_fit() -> None:
    # An event every second for 20 minutes: no pause to cap, 1200 s of video before scaling.
    times = [float(t) for t in range(1, 1201)]
    plan = schedule(times, Pacing())
    assert plan.duration <= 180.0
    assert plan.scale == pytest.approx((180.0 - 2.0 - 0.1) / 1200.0)
    assert list(plan.frame_of) == sorted(plan.frame_of)  # order kept
    assert plan.frame_of[-1] < plan.frames - 1  # the last screen is held
    gaps = {b - a for a, b in zip(plan.frame_of, plan.frame_of[1:], strict=False)}
    assert gaps <= {1, 2}  # an even pace: 1.2 frames an event, rounded


def test_an_idle_drill_becomes_short_without_speeding_up_what_moves() -> None:
    times = [0.0, 0.3, 300.0, 300.3, 1200.0]
    plan = schedule(times, Pacing())
    assert plan.scale == 1.0
    assert plan.frame_of == (0, 3, 23, 26, 46)
    assert plan.frames == 46 + 1 + 20


@pytest.mark.parametrize("max_seconds", [0.5, 3.0, 180.0])
def test_video_never_exceeds_its_limit(max_seconds: float) -> None:
    plan = schedule([float(t) * 7 for t in range(500)], Pacing(max_seconds=max_seconds))
    assert 1 <= plan.frames <= max_seconds * plan.fps
    assert all(0 <= frame < plan.frames for frame in plan.frame_of)


def test_an_empty_session_is_one_held_screen() -> None:
    plan = schedule([], Pacing())
    assert plan.frame_of == ()
    assert plan.frames == 21
