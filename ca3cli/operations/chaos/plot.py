"""outputs/recovery-timeline.png: per measured experiment, the tier's Ready pods and the age of the newest stored
reading around the fault, with the 30 s target marked. Pure: returns PNG bytes (matplotlib imported when drawn).

Pods are counted, so their axis has whole numbers only; every line, band and marker is named in one legend.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ca3cli.operations.chaos.model import Drill, Run
from ca3cli.operations.chaos.recovery import FRESH_S, RECOVERY_TARGET_S, clock_start

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN, ROW_IN, DPI = 10, 2.2, 100


def _ready(run: Run, t: float) -> int:
    sample = next(s for s in run.samples if s.t == t)
    tiers = [run.experiment.tier] if run.experiment.tier else list(run.fault.ready_before)
    return sum(p.ready for tier in tiers for p in sample.tier(tier))


def figure(drill: Drill) -> Figure:
    """The picture as a matplotlib Figure (tests read its axes, labels and legends); `png` draws it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    runs = [r for r in drill.runs if r.fault.injected_at is not None and r.samples]
    fig, axes = plt.subplots(max(len(runs), 1), 1, figsize=(WIDTH_IN, ROW_IN * max(len(runs), 1) + 1), dpi=DPI,
                             squeeze=False)
    for axis, run in zip(axes[:, 0], runs, strict=False):
        zero = run.fault.injected_at or 0.0
        times = [s.t - zero for s in run.samples]
        ready = [_ready(run, s.t) for s in run.samples]
        axis.step(times, ready, where="post", label=f"Ready {run.experiment.tier or 'data-path'} pods",
                  color="tab:blue")
        axis.set_ylim(0, max(ready, default=0) + 2)  # room above the pods for the legend
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel("Ready pods", fontsize=8)
        age = axis.twinx()
        ages = [s.data_age for s in run.samples]
        age.plot(times, ages, color="tab:orange", label="age of the newest stored reading (s)")
        age.axhline(FRESH_S, color="tab:orange", linestyle=":", linewidth=1,
                    label=f"fresh: at most {FRESH_S:.0f} s old")
        age.set_ylim(0, max([FRESH_S, *(a for a in ages if a is not None)]) * 1.15)
        age.yaxis.set_major_locator(MaxNLocator(integer=True))
        age.set_ylabel("data age (s)", fontsize=8)
        start = (clock_start(run) or zero) - zero
        axis.axvline(0, color="red", linewidth=1, label="fault injected")
        axis.axvspan(start, start + RECOVERY_TARGET_S, color="green", alpha=0.1,
                     label=f"{RECOVERY_TARGET_S:.0f} s to be Ready again")
        axis.set_title(f"{run.experiment.name} ({run.outcome})", loc="left", fontsize=9)
        axis.set_xlabel("seconds since the fault", fontsize=8)
        axis.grid(alpha=0.3)
        lines, labels = axis.get_legend_handles_labels()
        more, more_labels = age.get_legend_handles_labels()
        age.legend(lines + more, labels + more_labels, loc="upper right", fontsize=7, ncol=2)  # the twin is on top
    if not runs:
        axes[0, 0].text(0.5, 0.5, "no experiment injected a fault", ha="center", va="center")
    fig.suptitle(f"ca3 chaos, namespace {drill.namespace}, {drill.started_at}")
    fig.tight_layout()
    return fig


def png(drill: Drill) -> bytes:
    from matplotlib import pyplot as plt

    fig = figure(drill)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    plt.close(fig)
    return out.getvalue()
