"""outputs/pod-recovery.txt: for each injected experiment, the pods as `kubectl get pods -o wide` shows them just
before the fault, at the first sample after it, and when the tier was Ready again (the seed's "screenshots of pod
recovery in kubectl get pods output", taken from the drill's own samples). Pure: text from a Drill."""

from __future__ import annotations

from ca3cli.operations.chaos.model import Drill, Run, Sample
from ca3cli.operations.chaos.recovery import ready_at

COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS", "NODE")


def table(sample: Sample) -> list[str]:
    rows = [(p.name, f"{p.ready_containers}/{p.containers}", p.waiting or p.phase, str(p.restarts), p.node or "<none>")
            for p in sample.pods]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return ["   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [COLUMNS, *rows]]


def moments(run: Run) -> list[tuple[str, Sample]]:
    """(title, sample): before the fault, right after it, and Ready again (when it was)."""
    start = run.fault.injected_at
    if start is None or not run.samples:
        return []
    before = [s for s in run.samples if s.t < start]
    after = [s for s in run.samples if s.t > start]
    found = [("just before the fault", before[-1])] if before else []
    if after:
        found.append((f"+{after[0].t - start:.0f} s after the fault", after[0]))
    ready = ready_at(run)
    back = next((s for s in after if ready is not None and s.t >= start + ready), None) if ready is not None else None
    if back is not None and back is not (after[0] if after else None):
        found.append((f"Ready again, +{back.t - start:.0f} s after the fault", back))
    return found


def text(drill: Drill) -> str:
    lines = [f"Pods during the resilience drill ({drill.started_at}, namespace {drill.namespace})", ""]
    for run in drill.runs:
        shown = moments(run)
        if not shown:
            continue
        lines += [f"== {run.experiment.name}: {run.experiment.summary} (victim {run.fault.victim or '-'})", ""]
        for title, sample in shown:
            lines += [f"$ kubectl get pods -o wide    # {title} ({sample.at})", *table(sample), ""]
    return "\n".join(lines)
