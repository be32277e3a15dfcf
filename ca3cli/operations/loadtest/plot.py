"""outputs/hpa-scaling.png: replicas, CPU and throughput over time, the load window shaded, each SuccessfulRescale
event marked where it happened with the size it set. Pure: returns PNG bytes.

matplotlib (Agg, no display) is imported when a picture is drawn, so the rest of the CLI starts without it.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ca3cli.operations.loadtest.model import Rescale, Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 10, 8, 100  # a 1000 x 800 pixel picture


def _series(timeline: Timeline, name: str, field: str) -> tuple[list[float], list[Any]]:
    points = [(s.t, getattr(r, field)) for s in timeline.samples if (r := s.hpa(name)) is not None]
    return [t for t, _ in points], [v for _, v in points]


def _instant(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def when(timeline: Timeline, event: Rescale) -> float | None:
    """Seconds since the test started at which a rescale event happened (its UTC time against the first sample's);
    None when there is no sample to place it against or a time does not parse."""
    if not timeline.samples:
        return None
    first = timeline.samples[0]
    try:
        return first.t + _instant(event.at) - _instant(first.at)
    except ValueError:
        return None


def figure(timeline: Timeline) -> Figure:
    """The three panels as a matplotlib Figure (tests read its artists); `png` draws it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (replicas, cpu, rate) = plt.subplots(3, 1, sharex=True, figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    for name in timeline.hpa_names:
        replicas.step(*_series(timeline, name, "current"), where="post", label=f"{name} replicas")
        line, = cpu.plot(*_series(timeline, name, "cpu"), marker=".", label=f"{name} CPU % of request")
        targets = [t for t in _series(timeline, name, "target_cpu")[1] if t is not None]
        if targets:
            cpu.axhline(targets[-1], color=line.get_color(), linestyle="--", linewidth=1, label=f"{name} target")
    times = [s.t for s in timeline.samples]
    for key, label in (("produced", "produced/s"), ("consumed", "consumed/s"), ("written", "written to InfluxDB/s")):
        rate.plot(times, [s.throughput.get(key) for s in timeline.samples], label=label)
    titles = ("Replicas (HPA current)", "CPU (% of request)", "Throughput (Prometheus, 1 m rate)")
    for axis, title in zip((replicas, cpu, rate), titles, strict=True):
        if timeline.load_window:
            axis.axvspan(*timeline.load_window, color="orange", alpha=0.2, label="load")
        axis.set_title(title, loc="left", fontsize=10)
        axis.grid(alpha=0.3)
        axis.legend(loc="upper right", fontsize=8)
    placed = [(at, event) for event in timeline.rescales if (at := when(timeline, event)) is not None]
    for number, (at, event) in enumerate(placed):
        replicas.axvline(at, color="purple", linestyle=":", linewidth=1.2,
                         label="SuccessfulRescale event" if number == 0 else None)
        size = "" if event.new_size is None else f" \u2192 {event.new_size}"
        replicas.annotate(f"{event.hpa}{size}", (at, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                          textcoords="offset points", fontsize=7, color="purple", rotation=90, va="top")
    replicas.legend(loc="upper left", fontsize=8)  # the rescale labels hang from the top on the right
    replicas.yaxis.set_major_locator(MaxNLocator(integer=True))
    replicas.set_ylabel("replicas")
    cpu.set_ylabel("% of request")
    rate.set_ylabel("per second")
    rate.set_xlabel("seconds since the load test started")
    fig.suptitle(f"ca3 load-test, namespace {timeline.namespace}, {timeline.started_at}")
    fig.tight_layout()
    return fig


def png(timeline: Timeline) -> bytes:
    """The three panels as one PNG."""
    from matplotlib import pyplot as plt

    fig = figure(timeline)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    plt.close(fig)
    return out.getvalue()
