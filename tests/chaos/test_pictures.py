"""recovery-timeline.png read back as the Figure it is drawn from: whole pod counts and seconds on labelled axes,
every line and band named in its one legend, and a data age that never goes below zero."""

from __future__ import annotations

from dataclasses import replace

from ca3cli.operations.chaos import plot
from ca3cli.operations.chaos.model import Drill
from tests.chaos.timelines import delete_run


def test_the_timeline_has_whole_pod_counts_labelled_axes_every_series_in_its_legend_and_no_negative_age() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=[])
    samples = list(run.samples)
    skewed = samples[3]
    samples[3] = replace(skewed, newest_s=skewed.t + 0.4)  # stamped just after the sample: clocks a little apart
    fig = plot.figure(Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 0.0, (replace(run, samples=tuple(samples)),)))
    fig.canvas.draw()
    pods, age = fig.axes
    for axis in (pods, age):
        low, high = axis.get_ylim()
        ticks = [t for t in axis.get_yticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks)
    assert (pods.get_ylabel(), pods.get_xlabel(), age.get_ylabel()) == ("Ready pods", "seconds since the fault",
                                                                         "data age (s)")
    named = [label for axis in (pods, age) for label in axis.get_legend_handles_labels()[1]]
    assert [t.get_text() for t in age.get_legend().get_texts()] == named
    assert set(named) == {"Ready producer pods", "age of the newest stored reading (s)", "fault injected",
                          "30 s to be Ready again", "fresh: at most 20 s old"}
    ages = [float(v) for v in age.lines[0].get_ydata()]
    assert min(ages) == 0.0 and ages[3] == 0.0 and age.get_ylim()[0] == 0
