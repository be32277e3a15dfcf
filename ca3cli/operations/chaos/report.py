"""outputs/resilience-report.md: one table per experiment with the measured numbers and the verdict computed from
them (never written in), and the steps that changed or restored the cluster. Pure: text from a Drill."""

from __future__ import annotations

from ca3cli.operations.chaos.model import Drill, Run
from ca3cli.operations.chaos.recovery import LAG_BOUND, RECOVERY_TARGET_S, Result


def _s(value: float | None) -> str:
    return "not observed" if value is None else f"{value:.1f} s"


def _ok(good: bool) -> str:
    return "ok" if good else "**missed**"


def _table(run: Run, r: Result) -> list[str]:
    seqs = r.seqs
    window = "not counted" if run.window is None else f"+{run.window[0]:.0f} s .. +{run.window[1]:.0f} s"
    rows = [
        ("victim", run.fault.victim or "-", "", ""),
        ("time to Ready again", _s(r.ready_s), f"<= {RECOVERY_TARGET_S:.0f} s",
         _ok(r.ready_s is not None and r.ready_s <= RECOVERY_TARGET_S)),
        ("time to data flowing end to end", _s(r.flowing_s), "flows again", _ok(r.flowing_s is not None)),
        ("peak consumer lag", "unknown" if r.peak_lag is None else f"{r.peak_lag:.0f} messages",
         f"steady: <= {LAG_BOUND:.0f}", ""),
        ("readings counted", f"{seqs.stored} stored, {seqs.distinct} distinct from {seqs.producers} producers "
                             f"({seqs.processes} processes), window {window}", "", ""),
        ("readings lost", str(seqs.lost), "0", _ok(seqs.lost == 0)),
        ("readings duplicated", str(seqs.duplicated), "reported", ""),
        ("steady state before / after", f"{'yes' if r.steady_before else 'no'} / {'yes' if r.steady_after else 'no'}",
         "yes / yes", _ok(r.steady_before and r.steady_after)),
    ]
    return ["| measure | value | target | |", "| --- | --- | --- | --- |",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)]


def _verdict(r: Result) -> str:
    if r.unjudged:
        return f"**{r.unjudged}**: {r.reason}"
    return "**PASSED**" if r.passed else "**FAILED**: " + " ".join(f"{p}." for p in r.problems)


def section(drill: Drill, run: Run, r: Result) -> list[str]:
    exp = run.experiment
    lines = [f"## {exp.name}", "", f"{exp.summary} (outcome: {run.outcome}).", "", _verdict(r), ""]
    if run.fault.injected_at is not None:
        lines += [*_table(run, r), ""]
    lines += [f"- note: {n}" for n in r.notes]
    steps = [s for s in drill.steps if s.experiment == exp.name and s.phase in ("inject", "lift", "rollback")]
    lines += [f"- {s.at} {s.phase}: {s.action} ({s.outcome}{': ' + s.detail if s.detail else ''})" for s in steps]
    return [*lines, ""]


def markdown(drill: Drill, results: list[Result]) -> str:
    judged = [r for r in results if r.outcome not in ("skipped",)]
    passed = sum(r.passed for r in judged)
    head = [f"# Resilience drill ({drill.started_at}, namespace `{drill.namespace}`)", "",
            f"**{passed} of {len(judged)} experiments passed**, {len(results) - len(judged)} skipped. Each verdict is "
            f"computed from the measurements: the tier Ready again within {RECOVERY_TARGET_S:.0f} s, a reading "
            "produced after the fault stored in InfluxDB, no gap in the producers' sequence numbers, and steady "
            "state again.", ""]
    if drill.interrupted:
        head += ["**The drill was interrupted (Ctrl-C)**; the experiment running then was rolled back, the ones "
                 "after it did not run.", ""]
    body = [line for run, r in zip(drill.runs, results, strict=True) for line in section(drill, run, r)]
    tail = ["The timeline picture is outputs/recovery-timeline.png; the pods before, during and after each fault, as "
            "`kubectl get pods` shows them, are in outputs/pod-recovery.txt; every step and sample is in "
            "outputs/chaos-journal.json.", ""]
    return "\n".join(head + body + tail)
