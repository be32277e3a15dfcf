"""Recorded-style drill timelines for the analysis tests: pods as the recordings name them, one sample every 2 s."""

from __future__ import annotations

from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.model import Fault, Pod, Reading, Run, Sample

OLD = "producer-848b9d6d7-gvhjt"  # the producer pod in shared/kubectl-recordings/get-pods.json
NEW = "producer-848b9d6d7-x7k2p"
PROCESSOR = Pod("processor-6bfb6584f6-pfwwz", "processor", True, 0, "node-1", "Running", ready_containers=1)
WALL0_NS = 1_796_112_000_000_000_000  # 2026-12-01T08:00:00Z


def pods(producer: list[Pod]) -> tuple[Pod, ...]:
    return (*producer, PROCESSOR)


def old(ready: bool = True, phase: str = "Running") -> Pod:
    return Pod(OLD, "producer", ready, 0, "node-1", phase, ready_containers=int(ready))


def new(ready: bool) -> Pod:
    return Pod(NEW, "producer", ready, 0, "node-1", "Running" if ready else "Pending",
               "" if ready else "ContainerCreating", ready_containers=int(ready))


def sample(t: float, producer: list[Pod], newest: float | None, lag: float | None = 3) -> Sample:
    return Sample(t, f"2026-12-01T08:{int(t) // 60:02d}:{int(t) % 60:02d}Z", pods(producer), newest, lag)


def readings(producer: str, seqs: range | list[int], start_s: float = 0.0) -> list[Reading]:
    """One reading per seq, 0.5 s apart from `start_s` (seconds since the drill start)."""
    return [Reading(producer, seq, WALL0_NS + int((start_s + i * 0.5) * 1e9)) for i, seq in enumerate(seqs)]


def delete_run(ready_after: float, flowing_after: float, end: float, stored: list[Reading],
               lag_peak: float = 40) -> Run:
    """The producer pod deleted at t=10; the new pod Ready `ready_after` s later, data again `flowing_after` s
    later; sampled every 2 s until `end`."""
    samples = [sample(0, [old()], -1), sample(9, [old()], 8)]
    t = 12.0
    while t <= end:
        up = t - 10 >= ready_after
        flows = t - 10 >= flowing_after
        producer = [new(up)] if up else [old(False, "Running"), new(False)]
        samples.append(sample(t, producer, t - 1 if flows else 9.5, lag_peak if t == 14 else 5))
        t += 2
    return Run(select(["delete-pod-producer"])[0], "completed", "",
               Fault(OLD, ready_before={"producer": 1, "processor": 1}, injected_at=10.0), tuple(samples),
               tuple(stored), (0.0, end), (NEW,))
