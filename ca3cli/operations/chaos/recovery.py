"""The measurements of one experiment and its verdict, computed against the seed's targets (Running again within
30 s, the pipeline processing again, nothing lost). Pure functions of a Run, so recorded runs test them."""

from __future__ import annotations

from dataclasses import dataclass

from ca3cli.operations.chaos import actions
from ca3cli.operations.chaos.loss import SeqCount, count
from ca3cli.operations.chaos.model import Run, Sample

RECOVERY_TARGET_S = 30.0  # seed milestone 9: "Pods return to Running state within 30 seconds"
FRESH_S = 20.0  # steady state: the newest stored reading is at most this old
LAG_BOUND = 1000.0  # steady state: consumer lag (messages) at most this, when it is known
UNJUDGED = {"skipped": "SKIPPED", "not-steady": "NOT-STEADY", "unmeasured": "COULD NOT MEASURE"}


@dataclass(frozen=True)
class Result:
    name: str
    outcome: str
    reason: str
    ready_s: float | None  # fault (or its lifting) -> the tier Ready again
    flowing_s: float | None  # fault (or its lifting) -> a reading produced after it is stored
    peak_lag: float | None
    seqs: SeqCount
    steady_before: bool
    steady_after: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def measured(self) -> bool:
        return self.outcome in ("completed", "failed", "interrupted") and self.ready_s is not None

    @property
    def unjudged(self) -> str:
        """The verdict's word when the numbers could not judge the experiment ("" when they did)."""
        return UNJUDGED.get(self.outcome, "")

    @property
    def passed(self) -> bool:
        return self.outcome == "completed" and not self.problems


def steady(sample: Sample, tiers: dict[str, int]) -> list[str]:
    """What keeps `sample` from steady state (empty: steady): every tier in `tiers` with at least that many pods,
    all Ready; a stored reading at most FRESH_S old; lag within LAG_BOUND when known."""
    problems = []
    for tier, wanted in sorted(tiers.items()):
        pods = sample.tier(tier)
        ready = sum(p.ready for p in pods)
        if ready < max(wanted, 1) or ready < len([p for p in pods if p.phase != "Succeeded"]):
            problems.append(f"{tier} has {ready} of {len(pods)} pods Ready")
    if sample.newest_error:
        problems.append(sample.newest_error)
    elif sample.newest_s is None:
        problems.append("no reading is stored")
    elif sample.t - sample.newest_s > FRESH_S:
        problems.append(f"the newest stored reading is {sample.t - sample.newest_s:.0f} s old")
    if sample.lag_error:
        problems.append(sample.lag_error)
    elif sample.lag is not None and sample.lag > LAG_BOUND:
        problems.append(f"consumer lag is {sample.lag:.0f} messages")
    return problems


def clock_start(run: Run) -> float | None:
    """When recovery is timed from (the action says: the injection, or a cut-off's policies restored)."""
    return actions.of(run.experiment).recovery_start(run.fault)


def replaced(sample: Sample, run: Run) -> bool:
    """The failed part is back, as the action judges it (a replacement Ready, a container restarted in place...)."""
    return actions.of(run.experiment).recovered(sample, run)


def ready_at(run: Run) -> float | None:
    """Seconds from the clock's start to the first state, polled or from a watch event, with the failed part back:
    a watch event times it when it happened, not at the next poll."""
    start = clock_start(run)
    if start is None:
        return None
    states = sorted([(s.t, s.pods) for s in run.samples] + [(e.t, e.pods) for e in run.pod_events],
                    key=lambda state: state[0])
    return next((t - start for t, pods in states
                 if t >= start and replaced(Sample(t, "", pods, None, None), run)), None)


def flowing_at(run: Run) -> float | None:
    start = clock_start(run)
    if start is None:
        return None
    return next((s.t - start for s in run.samples
                 if s.t >= start and s.newest_s is not None and s.newest_s > start), None)


def peak_lag(run: Run) -> float | None:
    start = run.fault.injected_at
    lags = [s.lag for s in run.samples if s.lag is not None and (start is None or s.t >= start)]
    return max(lags) if lags else None


def _problems(run: Run, ready: float | None, flowing: float | None, seqs: SeqCount, after: list[str]) -> list[str]:
    what = run.experiment.tier or "the node's pods"
    problems = []
    if ready is None:
        problems.append(f"{what} was not Ready again when measuring stopped")
    elif ready > RECOVERY_TARGET_S:
        problems.append(f"{what} took {ready:.0f} s to be Ready again, over the {RECOVERY_TARGET_S:.0f} s target")
    unread = run.samples[-1].newest_error if run.samples else ""
    if flowing is None:
        problems.append(f"whether data flowed again is unknown: {unread}" if unread
                        else "no reading produced after the fault reached InfluxDB while measuring")
    if seqs.lost:
        problems.append(f"{seqs.lost} readings lost (gaps in the producers' sequence numbers)")
    if after:
        problems.append("steady state did not return: " + "; ".join(after))
    return problems


def analyse(run: Run) -> Result:
    """The numbers and the verdict of one run; a run that never injected is judged by why it did not."""
    seqs = count(run.readings, run.fresh_producers)
    tiers = run.fault.ready_before
    before = steady(run.samples[0], tiers) if run.samples else ["nothing was sampled"]
    after = steady(run.samples[-1], tiers) if run.samples and run.fault.injected_at is not None else before
    ready, flowing = ready_at(run), flowing_at(run)
    if run.fault.injected_at is None:
        problems = [] if run.outcome == "skipped" else [run.reason or "the fault was never injected"]
    else:
        problems = _problems(run, ready, flowing, seqs, after)
        if run.outcome != "completed":
            problems.insert(0, run.reason)
    notes = [f"{seqs.duplicated} readings stored more than once (the same reading written again after the fault)"
             ] if seqs.duplicated else []
    return Result(run.experiment.name, run.outcome, run.reason, ready, flowing, peak_lag(run), seqs, not before,
                  not after, tuple(problems), tuple(notes))
