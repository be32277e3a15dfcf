"""The drill as `ca3 chaos` and `ca3 handin --make` run it: against the cluster, optionally recorded to an asciicast
and filmed to the seed's video (at most 3 minutes). One place, so both commands run the same drill."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console

from ca3cli.operations import preflight

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings
    from ca3cli.edges.kube import Kubectl
    from ca3cli.edges.recording.video import VideoInfo
    from ca3cli.operations.chaos.model import Experiment
    from ca3cli.operations.chaos.operator import Pace
    from ca3cli.operations.chaos.session import Finished

SETTLE_INTERVALS = 5  # samples taken after recovery, to see the steady state hold and the lag drain
CAST, VIDEO = "resilience-drill.cast", "resilience-drill.mp4"
SCREEN = (120, 40)  # columns and rows of the recorded terminal: the live view's pods, events and log lines fit
VIDEO_MAX_S = 180.0  # the seed's video is at most 3 minutes; waits are sped up to fit
VIDEO_PAUSE_S = 3.0  # a longer wait (pods coming back, data catching up) is cut to this; the rest is real time
Frames = Callable[[int, int], None]  # (frames encoded, of total)


def run_drill(kubectl: Kubectl, settings: Settings, secrets_folder: Path, experiments: Sequence[Experiment],
              view: Console, out: Path, interval: float, timeout: float, pace: Pace | None = None) -> Finished:
    """The drill against the cluster; everything the operator sees goes to `view` (where a recording hooks in),
    typed at `pace` (at once when None)."""
    from ca3cli.operations.chaos.operator import Pace
    from ca3cli.operations.chaos.runner import Timing
    from ca3cli.operations.chaos.session import drill

    preflight.reachable(kubectl)
    timing = Timing(interval_s=interval, measure_timeout_s=timeout, settle_s=SETTLE_INTERVALS * interval)
    return drill(kubectl, settings, experiments, view, secrets_folder=secrets_folder, out=out, timing=timing,
                 pace=pace or Pace())


def recorded(run: Callable[[Console, Pace], Finished], out: Path, mirror: TextIO) -> Finished:
    """Run the drill on a Console that writes to `mirror` and to an asciicast, typed at a person's pace (then
    `film` it); an interrupted drill is filmed here, so the video shows what happened before the rollback."""
    from ca3cli.edges.recording.session import Recording
    from ca3cli.edges.recording.video import require
    from ca3cli.operations.chaos.operator import FILM
    from ca3cli.operations.chaos.runner import Interrupted

    require()  # a missing video package stops the drill before anything is changed, not after
    width, height = SCREEN
    try:
        with Recording(out / CAST, width, height, mirror=mirror) as stream:
            return run(Console(file=stream, width=width, height=height, force_terminal=True,
                               color_system="standard", highlight=False), FILM)
    except Interrupted:
        film(out, lambda done, total: None)
        raise


def film(out: Path, frames: Frames) -> VideoInfo:
    """OUT/resilience-drill.mp4 from the recorded cast; `frames(done, total)` as frames are encoded."""
    from ca3cli.edges.recording.video import render_mp4

    return render_mp4(out / CAST, out / VIDEO, VIDEO_MAX_S, max_pause=VIDEO_PAUSE_S, progress=frames)
