"""outputs/recovery-timeline.png: per measured experiment, the tier's Ready pods and the age of the newest stored
reading around the fault, with the 30 s target marked. Pure: returns PNG bytes (matplotlib imported when drawn)."""

from __future__ import annotations

import io

from ca3cli.operations.chaos.model import Drill, Run
from ca3cli.operations.chaos.recovery import RECOVERY_TARGET_S, clock_start

WIDTH_IN, ROW_IN, DPI = 10, 2.2, 100


def _ready(run: Run, t: float) -> int:
    sample = next(s for s in run.samples if s.t == t)
    tiers = [run.experiment.tier] if run.experiment.tier else list(run.fault.ready_before)
    return sum(p.ready for tier in tiers for p in sample.tier(tier))


def png(drill: Drill) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    runs = [r for r in drill.runs if r.fault.injected_at is not None and r.samples]
    fig, axes = plt.subplots(max(len(runs), 1), 1, figsize=(WIDTH_IN, ROW_IN * max(len(runs), 1) + 1), dpi=DPI,
                             squeeze=False)
    for axis, run in zip(axes[:, 0], runs, strict=False):
        zero = run.fault.injected_at or 0.0
        times = [s.t - zero for s in run.samples]
        axis.step(times, [_ready(run, s.t) for s in run.samples], where="post", label="Ready pods", color="tab:blue")
        age = axis.twinx()
        age.plot(times, [None if s.newest_s is None else s.t - s.newest_s for s in run.samples], color="tab:orange",
                 label="newest reading age (s)")
        age.set_ylabel("data age (s)", fontsize=8)
        start = (clock_start(run) or zero) - zero
        axis.axvline(0, color="red", linewidth=1, label="fault")
        axis.axvspan(start, start + RECOVERY_TARGET_S, color="green", alpha=0.1, label="30 s target")
        axis.set_title(f"{run.experiment.name} ({run.outcome})", loc="left", fontsize=9)
        axis.grid(alpha=0.3)
        axis.legend(loc="upper left", fontsize=7)
    if not runs:
        axes[0, 0].text(0.5, 0.5, "no experiment injected a fault", ha="center", va="center")
    axes[-1, 0].set_xlabel("seconds since the fault")
    fig.suptitle(f"ca3 chaos, namespace {drill.namespace}, {drill.started_at}")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    plt.close(fig)
    return out.getvalue()
