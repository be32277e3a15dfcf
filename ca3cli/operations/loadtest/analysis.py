"""The timeline analysis: when each autoscaler went up and came back, throughput per replica level, the verdict.

Pure functions of a Timeline, so recorded timelines (clean cycle, no scale-down, no metrics, refused load) test them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from statistics import mean

from ca3cli.operations.loadtest.model import (
    THROUGHPUT,
    TIER_THROUGHPUT,
    HpaEvent,
    HpaReading,
    Sample,
    Timeline,
)


@dataclass(frozen=True)
class Cycle:
    """One autoscaler over the test: where it started, how high it went, and when it came back to its minimum."""

    hpa: str
    minimum: int
    start: int
    peak: int
    up_at: float | None  # first sample or watch event above the starting replicas
    down_at: float | None  # first sample or watch event back at the minimum after the peak
    last: HpaReading | None

    @property
    def scaled_up(self) -> bool:
        return self.peak >= max(2, self.minimum + 1)

    @property
    def scaled_down(self) -> bool:
        return self.scaled_up and self.down_at is not None


@dataclass(frozen=True)
class Level:
    """Throughput through one tier while its autoscaler held `replicas` replicas (load and cool-down samples)."""

    hpa: str
    replicas: int
    samples: int
    rate: float | None

    @property
    def per_replica(self) -> float | None:
        return None if self.rate is None else self.rate / self.replicas


@dataclass(frozen=True)
class Change:
    t: float
    at: str
    hpa: str
    before: int
    after: int


@dataclass(frozen=True)
class Analysis:
    cycles: tuple[Cycle, ...]
    changes: tuple[Change, ...]
    levels: tuple[Level, ...]
    baseline: dict[str, float | None]
    load_peak: dict[str, float | None]
    achieved_rate: float | None  # readings/s the producer accepted over the load window
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def throughput_rose(self) -> bool | None:
        base, peak = self.baseline.get("produced"), self.load_peak.get("produced")
        return None if base is None or peak is None else peak > base


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def _timed(samples: tuple[Sample, ...], events: tuple[HpaEvent, ...], name: str
           ) -> list[tuple[float, str, HpaReading]]:
    """HPA `name` as the samples and the watch's events saw it, in time order: an event dates a change when it
    happened, a sample only at the next tick."""
    found = [(s.t, s.at, r) for s in samples if (r := s.hpa(name)) is not None]
    found += [(e.t, e.at, r) for e in events if (r := e.hpa(name)) is not None]
    return sorted(found, key=lambda seen: seen[0])


def _readings(samples: tuple[Sample, ...], name: str, events: tuple[HpaEvent, ...] = ()
              ) -> list[tuple[float, HpaReading]]:
    return [(t, r) for t, _, r in _timed(samples, events, name)]


def cycle(samples: tuple[Sample, ...], name: str, events: tuple[HpaEvent, ...] = ()) -> Cycle | None:
    """The cycle of HPA `name`, or None when neither a sample nor a watch event saw it."""
    seen = _readings(samples, name, events)
    if not seen:
        return None
    start, minimum = seen[0][1].current, seen[0][1].minimum
    peak = max(r.current for _, r in seen)
    up_at = next((t for t, r in seen if r.current > start), None)
    peak_at = next(t for t, r in seen if r.current == peak)
    down_at = next((t for t, r in seen if t > peak_at and r.current <= minimum), None)
    return Cycle(name, minimum, start, peak, up_at, down_at, seen[-1][1])


def changes(samples: tuple[Sample, ...], names: tuple[str, ...], events: tuple[HpaEvent, ...] = ()
            ) -> list[Change]:
    """Every change of an autoscaler's current replicas, dated by the sample or watch event that first showed it."""
    found = []
    for name in names:
        seen = _timed(samples, events, name)
        found += [Change(t, at, name, a.current, b.current) for (_, _, a), (t, at, b) in pairwise(seen)
                  if a.current != b.current]
    return sorted(found, key=lambda c: c.t)


def levels(samples: tuple[Sample, ...], names: tuple[str, ...]) -> list[Level]:
    """Mean throughput of each tier at each replica count its autoscaler held after the baseline."""
    found = []
    for name in names:
        key = TIER_THROUGHPUT.get(name, "produced")
        by_count: dict[int, list[float | None]] = {}
        for s in samples:
            if s.phase != "baseline" and (reading := s.hpa(name)) is not None:
                by_count.setdefault(reading.current, []).append(s.throughput.get(key))
        found += [Level(name, n, len(v), _mean(v)) for n, v in sorted(by_count.items())]
    return found


def _no_scale_up(c: Cycle, samples: tuple[Sample, ...]) -> str:
    readings = [r for _, r in _readings(samples, c.hpa)]
    cpus = [r.cpu for r in readings if r.cpu is not None]
    target = readings[-1].target_cpu
    why = next((r.message for r in reversed(readings) if r.message), "no reason given")
    if target is None:  # not on CPU: KEDA's HPA on consumer lag
        return (f"HPA {c.hpa} never scaled up: it stayed at {c.start} replica(s) ({why}). Raise --rate or lower "
                "`autoscaling.processor_lag_threshold` in ca3.yaml.")
    if not cpus:
        return (f"HPA {c.hpa} never scaled up: it read no CPU metric ({why}). metrics-server must answer for the "
                "namespace; check `kubectl top pods` and install it as `ca3 up` does.")
    return (f"HPA {c.hpa} never scaled up: it stayed at {c.start} replica(s) with CPU at most {max(cpus)}% of "
            f"requests against a target of {target}%. Raise --rate or lower the CPU target in ca3.yaml.")


def _no_scale_down(c: Cycle) -> str:
    last = c.last
    now = "nothing" if last is None else (f"{last.current} current / {last.desired} desired replicas, CPU "
                                          f"{'unknown' if last.cpu is None else f'{last.cpu}%'}")
    return (f"HPA {c.hpa} scaled up to {c.peak} but was not back at its minimum {c.minimum} when sampling stopped "
            f"(it reported {now}). Raise --timeout or shorten `autoscaling.scale_down_window_s` in ca3.yaml.")


def cycle_problems(timeline: Timeline, cycles: dict[str, Cycle | None]) -> list[str]:
    """What was not observed, per autoscaler, saying what the HPA reported."""
    problems = []
    for name, c in cycles.items():
        if c is None:
            problems.append(f"HPA {name} was never seen in namespace {timeline.namespace}. Deploy milestone 6 "
                            "(`ca3 deploy -m 6`) and run the load test again.")
        elif not c.scaled_up:
            problems.append(_no_scale_up(c, timeline.samples))
        elif not c.scaled_down:
            problems.append(_no_scale_down(c))
    return problems


def load_findings(timeline: Timeline) -> tuple[list[str], list[str]]:
    """(problems, notes) about the load itself: a failed or interrupted run, readings the producer refused."""
    load, problems, notes = timeline.load, [], []
    if load.outcome == "interrupted":
        problems.append("The load test was interrupted before the cycle finished; its Job and NetworkPolicy were "
                        "deleted. Run `ca3 load-test` again and let it finish.")
    elif load.outcome == "failed":
        problems.append(f"The load generator's Job failed ({load.reason or 'no reason given'}). Check "
                        "`kubectl logs job/load-generator` output in the report and run the test again.")
    elif load.outcome == "complete" and load.sent and not load.accepted:
        problems.append(f"The producer accepted none of the {load.sent} readings sent ({load.failed_requests} "
                        "requests failed). Check that the producer is Ready and its NetworkPolicy admits port 8000.")
    if load.refused:
        notes.append(f"The producer refused {load.refused} of {load.sent} readings ({load.failed_requests} failed "
                     "requests); refused readings never reached Kafka.")
    return problems, notes


def analyse(timeline: Timeline) -> Analysis:
    """The verdict and the numbers the report shows; `problems` lists everything that was not observed."""
    samples, names = timeline.samples, timeline.hpa_names
    cycles = {name: cycle(samples, name, timeline.hpa_events) for name in names}
    load_problems, notes = load_findings(timeline)
    problems = [*timeline.refusals, *load_problems] + ([] if timeline.refusals else cycle_problems(timeline, cycles))
    during = [s for s in samples if s.phase == "load"]
    window = timeline.load_window
    span = (window[1] - window[0]) if window else 0.0
    return Analysis(
        tuple(c for c in cycles.values() if c is not None), tuple(changes(samples, names, timeline.hpa_events)),
        tuple(levels(samples, names)),
        {k: _mean([s.throughput.get(k) for s in samples if s.phase == "baseline"]) for k in THROUGHPUT},
        {k: max((v for s in during if (v := s.throughput.get(k)) is not None), default=None) for k in THROUGHPUT},
        timeline.load.accepted / span if span > 0 and timeline.load.accepted else None,
        tuple(problems), tuple(notes))
