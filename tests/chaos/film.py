"""The seed's three drills (producer, processor, Kafka pod deleted) filmed as `ca3 chaos --record` films them, through
the stand-in kubectl answering in the recorded shapes (tests/chaos/answers.py, terminal.py).

The recording's clock moves only with the operator's pace (typing, reading, title cards) and by the sampling
interval at every sample the drill takes, so the film's length is what a real drill's would be with its waits cut
to at most that interval: the typed parts are real time, as in the video a user gets.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ca3cli.core.settings import Settings
from ca3cli.edges.kube import Kubectl, Result
from ca3cli.edges.recording.session import Recording
from ca3cli.edges.recording.video import VideoInfo, render_mp4
from ca3cli.operations.chaos import session
from ca3cli.operations.chaos.catalogue import seed_drills
from ca3cli.operations.chaos.filmed import SCREEN, VIDEO_MAX_S, VIDEO_PAUSE_S
from ca3cli.operations.chaos.operator import FILM
from ca3cli.operations.chaos.runner import Timing
from tests.chaos import answers as a
from tests.chaos import terminal
from tests.chaos.flowing import Flowing
from tests.chaos.timelines import WALL0_NS, readings
from tests.fixtures.kubectl import KubectlStub, install_stand_ins

PROCESSOR_NEW = "processor-6bfb6584f6-m9q4d"
INTERVAL_S = 2.0  # the drill's default sampling interval
TIMING = Timing(interval_s=0, steady_timeout_s=0, measure_timeout_s=5, settle_s=0)
# (tier, the pod deleted, its replacement, its owner as `kubectl get events` names it)
SCENARIOS = (("producer", a.PRODUCER, a.REPLACEMENT, "replicaset/producer-848b9d6d7"),
             ("processor", a.PROCESSOR, PROCESSOR_NEW, "replicaset/processor-6bfb6584f6"),
             ("kafka", "kafka-0", "kafka-0", "statefulset/kafka"))


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def sampled(self, result: Result) -> None:
        """A pods sample of the drill: in a real one, the sampling interval passed before it."""
        if result.args[-4:] == ["get", "pods", "-o", "json"]:
            self.now += INTERVAL_S


@dataclass
class Filmed:
    folder: Path
    info: VideoInfo
    drill: Any
    commands: list[str] = field(default_factory=list)

    @property
    def mp4(self) -> Path:
        return self.folder / "resilience-drill.mp4"


def answer(stub: KubectlStub) -> None:
    """Each scenario: the pods steady, the victim going and its replacement starting, the replacement Ready."""
    listing = a.recorded_pods()
    stub.on("get", "events", "-o", "json", stdout=a.recorded_events())
    for tier, victim, new, owner in SCENARIOS:
        during = a.replaced(listing, victim, new, ready=False, keep_old=victim != new)
        after = a.replaced(listing, victim, new, ready=True, keep_old=False)
        for shown in (listing, during, after):
            stub.on("get", "pods", "-o", "json", stdout=shown, times=1)
        stub.on("get", "pods", stdout=terminal.pods_table(listing), times=1)
        stub.on("get", "pods", stdout=terminal.pods_table(after), times=1)
        stub.on("delete", "pod", victim, stdout=a.deleted_pod(victim), times=1)
        stub.on("get", "pods", "-l", f"app={tier}", stdout=terminal.watch(tier, listing, during, after), times=1)
        stub.on("describe", "pod", new, stdout=terminal.describe(tier), times=1)
        stub.on("logs", new, stdout=terminal.logs(tier, f"{tier.capitalize()} started", "Connected to Kafka"),
                times=1)
        stub.on("get", "events", "--sort-by=.lastTimestamp", stdout=terminal.events(victim, new, owner), times=1)
        listing = after
    stub.on("get", "pods", "-o", "json", stdout=listing)


@contextmanager
def stand_in(folder: Path) -> Iterator[KubectlStub]:
    bin_dir, state = folder / "stand-in-bin", folder / "stand-in-state"
    install_stand_ins(bin_dir, state)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        yield KubectlStub(bin_dir, state)


def film(folder: Path) -> Filmed:
    """Run and film the three drills into `folder`, as `ca3 chaos --record` does (its screen, pace and limits)."""
    clock = Clock()
    # Stored up to now, so the operator's look at the last 15 s shows readings seconds old, as on a live cluster.
    now_ns = time.time_ns()
    stored = [replace(r, time_ns=r.time_ns - WALL0_NS + now_ns - 31 * 10**9)
              for r in readings(a.PRODUCER, range(100, 120)) + readings(a.REPLACEMENT, range(0, 30), start_s=16)]
    with stand_in(folder) as stub:
        answer(stub)
        kubectl = Kubectl(namespace=a.NAMESPACE, on_result=clock.sampled)
        width, height = SCREEN
        with Recording(folder / "resilience-drill.cast", width, height, mirror=None, clock=clock) as stream:
            console = Console(file=stream, width=width, height=height, force_terminal=True, color_system="standard",
                              highlight=False)
            finished = session.drill(kubectl, Settings(), seed_drills(), console, secrets_folder=folder,
                                     out=folder, timing=TIMING, data=Flowing(stored), milestone=9,
                                     watch_pods=False, pace=replace(FILM, sleep=clock.sleep))
        assert not stub.unmatched, stub.unmatched
        commands = stub.commands()
    info = render_mp4(folder / "resilience-drill.cast", folder / "resilience-drill.mp4", VIDEO_MAX_S,
                      max_pause=VIDEO_PAUSE_S)
    return Filmed(folder, info, finished.drill, commands)
