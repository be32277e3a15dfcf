"""Edge: the drill loop. Per experiment: steady state first, inject, measure until the tier is back and data flows
and the pipeline is steady again (or the timeout passes), settle, count the readings; whatever it changed is
undone in a `finally`, on failure and Ctrl-C too. All terminal output goes through the one Console it is given."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.live import Live
from rich.markup import escape

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import outage
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos import actions, catalogue, loss, observe, recovery, view
from ca3cli.operations.chaos.data import Data, Unreadable
from ca3cli.operations.chaos.inject import Undo, Undoing
from ca3cli.operations.chaos.model import (
    Cast,
    Drill,
    Experiment,
    Fault,
    Outcome,
    PodsAt,
    Run,
    Sample,
    Step,
    StepOutcome,
    utc_now,
)
from ca3cli.operations.chaos.operator import Operator
from ca3cli.operations.chaos.watch import PodWatch
from ca3cli.operations.chaos.why import why

TAIL_S = 5.0  # readings this close to the end may still be on their way; the count stops before them
LEAD_S = 10.0  # the count starts this long before the steady-state sample, so a gap at the injection shows
UNREAD_TRIES = 2  # samples in a row that could not read the data path before the experiment is judged unmeasured
UNDO_RIDE_S = 120.0  # how long an undo is retried while the API server does not answer: it must not be left undone
AGAIN = "`ca3 chaos`"  # what an outage sentence tells the user to run again
T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    interval_s: float = 2.0
    steady_timeout_s: float = 90.0  # for steady state before injecting
    measure_timeout_s: float = 120.0  # after the fault (or its lifting) for recovery
    settle_s: float = 10.0  # sampling on after recovery: lag drains, the steady state is confirmed


class Interrupted(KeyboardInterrupt):
    """Ctrl-C: carries the drill so far (the interrupted experiment rolled back and recorded)."""

    def __init__(self, drill: Drill) -> None:
        super().__init__()
        self.drill = drill
        self.files: list[Path] = []  # the outputs written from it, once saved


@dataclass
class Attempt:
    """One experiment while it runs; kept outside the loop so a failure or Ctrl-C still has what was seen."""

    experiment: Experiment
    samples: list[Sample] = field(default_factory=list)
    fault: Fault = field(default_factory=Fault)
    phase: str = "steady-before"
    pod_events: tuple[PodsAt, ...] = ()

    def run(self, outcome: Outcome = "completed", reason: str = "") -> Run:
        return Run(self.experiment, outcome, reason, self.fault, tuple(self.samples), pod_events=self.pod_events)


class Runner:
    def __init__(self, kubectl: Kubectl, data: Data, console: Console, namespace: str,
                 timing: Timing = Timing(), cast: Cast | None = None,
                 absent: Mapping[str, str] | None = None, operator: Operator | None = None,
                 clock: outage.Clock | None = None) -> None:
        self.kubectl, self.data, self.console, self.timing = kubectl, data, console, timing
        self.clock = clock or outage.CLOCK  # elapsed time, pauses and API outages are all measured on it
        self.operator = operator  # when given, the operator's commands and answers replace the live view
        self.cast = cast or catalogue.cast()
        self.absent = absent or {}  # experiment -> why the deployed milestone cannot run it
        self.pods_watch: PodWatch | None = None  # when set and in step, pods come from it, not a poll
        self.t0, self.wall0, self.since = self.clock.monotonic(), time.time(), utc_now()
        self.ends = 0.0  # the current phase's end (elapsed seconds): how long an API outage is ridden out
        self.unanswered_s: float | None = None  # how long the API server has not answered, while it does not
        self.lost_api: outage.ApiOutage | None = None  # an outage past a phase's end: the drill stops
        self.drill = Drill(namespace, self.since, self.wall0)
        self.steps: list[Step] = []
        self.watch = view.Watch()
        self.live: Live | None = None

    def elapsed(self) -> float:
        return round(self.clock.monotonic() - self.t0, 2)

    def ride_out(self, read: Callable[[], T]) -> T:
        """`read()`, retried while the API server does not answer, until the current phase's end; an outage past it
        raises ApiOutage (and stops the drill after this experiment's rollback)."""
        try:
            found = outage.ride_out(read, self.t0 + self.ends, outage.named(self.kubectl), AGAIN, self.unanswered,
                                    self.clock)
        except outage.ApiOutage as exc:
            self.lost_api = exc
            raise
        self.answered()
        return found

    def unanswered(self, seconds: float) -> None:
        """While a read is retried: "API server not answering, retrying (12 s)" in the live view, printed once when
        the outage starts."""
        text = f"API server not answering, retrying ({seconds:.0f} s)"
        if self.unanswered_s is None:
            self.console.print(f"[yellow]•[/] +{self.elapsed():.0f} s API server not answering, retrying")
        self.unanswered_s = seconds
        self.watch.notice = text
        self.refresh()

    def answered(self) -> None:
        """A read was answered: end the outage shown, if any, and say so."""
        if self.unanswered_s is None:
            return
        self.console.print(f"[green]✓[/] +{self.elapsed():.0f} s API server answering again (it did not for "
                           f"{self.unanswered_s:.0f} s or more)")
        self.unanswered_s, self.watch.notice = None, ""

    def step(self, exp: Experiment, phase: str, action: str, outcome: StepOutcome = "ok",
             detail: str = "") -> None:
        """Journal one step and show it as a line above the live view."""
        self.steps.append(Step(self.elapsed(), utc_now(), exp.name, phase, action, outcome, detail))
        mark = {"ok": "[green]✓[/]", "failed": "[red]✗[/]"}.get(outcome, "[yellow]•[/]")
        self.console.print(f"{mark} +{self.elapsed():.0f} s {escape(exp.name)} {escape(phase)}: {escape(action)}"
                           + (f" [dim]({escape(detail)})[/]" if detail else ""))

    def sample(self, attempt: Attempt) -> Sample:
        """The pods (from the watch when it is in step) and the data path now; reads the API server does not answer
        are retried until the phase's end (a failed query that reached its server is a reading of its own)."""
        watched = self.pods_watch.pods() if self.pods_watch else None
        pods = watched if watched is not None else self.ride_out(lambda: observe.read_pods(self.kubectl))
        t, at = self.elapsed(), utc_now()  # when the pods were seen; the data path is read right after
        newest, newest_error = _read(lambda: self.ride_out(self.data.newest))
        lag, lag_error = _read(lambda: self.ride_out(self.data.lag))
        s = Sample(t, at, pods, None if newest is None else round(newest - self.wall0, 2), lag, newest_error,
                   lag_error)
        attempt.samples.append(s)
        if self.pods_watch is not None:
            attempt.pod_events = self.pods_watch.timeline(attempt.samples[0].t)
        self.watch.sample, self.watch.phase = s, attempt.phase
        if self.operator is None:  # the live view's events and logs; the operator reads them at the terminal
            self.watch.events = self.ride_out(lambda: observe.read_events(self.kubectl, self.since))
            if attempt.experiment.tier:
                self.watch.logs = observe.read_logs(self.kubectl, attempt.experiment.tier)
        self.refresh()
        return s

    def refresh(self) -> None:
        if self.live is not None:
            self.live.update(view.render(self.watch), refresh=True)

    def pause(self) -> None:
        self.clock.sleep(self.timing.interval_s)

    def wait_steady(self, attempt: Attempt) -> list[str]:
        """Sample until steady (keeping only the last sample), the timeout, or UNREAD_TRIES samples in a row that
        could not read the data path (waiting longer would not make a refused query succeed); what is not steady."""
        ends = self.ends = self.elapsed() + self.timing.steady_timeout_s
        unread = 0
        while True:
            s = self.sample(attempt)
            attempt.samples[:] = [s]
            attempt.fault = Fault(ready_before=view.ready_counts(s, self.cast.tiers))
            problems = recovery.steady(s, attempt.fault.ready_before)
            unread = unread + 1 if s.unread else 0
            if not problems or unread >= UNREAD_TRIES or self.elapsed() >= ends:
                return problems
            self.pause()

    def inject_fault(self, attempt: Attempt, undo: Undo) -> None:
        exp, action = attempt.experiment, actions.of(attempt.experiment)
        attempt.phase = "inject"
        aimed = action.aim(exp, attempt.samples[-1], self.cast)
        kubectl = self.kubectl
        if self.operator is not None:
            self.operator.before()
            kubectl = self.operator.door()
        attempt.fault = replace(attempt.fault, victim=aimed.name, victim_uid=aimed.uid,
                                restarts_before=aimed.restarts)
        detail = action.inject(kubectl, exp, attempt.fault, undo)
        attempt.fault = replace(attempt.fault, injected_at=self.elapsed())
        self.step(exp, "inject", exp.summary, detail=detail)
        if self.operator is not None:
            self.operator.watch(exp)

    def measure(self, attempt: Attempt, undo: Undo) -> str:
        """Sample until recovered or the timeout, then settle; what kept the data path from being read when it did
        not recover ("" when it recovered or every read worked)."""
        exp, timing = attempt.experiment, self.timing
        unread = ""
        attempt.phase = "measure"
        ends = self.ends = self.elapsed() + timing.measure_timeout_s + exp.hold_s
        while True:
            self.pause()
            s = self.sample(attempt)
            fault = attempt.fault
            held = s.t - (fault.injected_at or 0) >= exp.hold_s
            if held and actions.of(exp).recovery_start(fault) is None:  # a fault lifted after its hold (a cut-off)
                self.lift(attempt, undo)
                continue
            run = attempt.run()
            if (recovery.clock_start(run) is not None and recovery.ready_at(run) is not None
                    and recovery.flowing_at(run) is not None and not recovery.steady(s, fault.ready_before)):
                self.step(exp, "measure", "recovered: Ready, data flowing, steady state again")
                break
            if self.elapsed() >= ends:
                unread = _sentences(*s.unread)
                self.step(exp, "measure", f"still not recovered after {timing.measure_timeout_s:.0f} s", "failed",
                          unread)
                break
        if self.operator is not None:
            self.operator.unwatch()
        attempt.phase = "steady-after"
        settle_ends = self.elapsed() + timing.settle_s
        self.ends = max(settle_ends, ends)
        while self.elapsed() < settle_ends:
            self.pause()
            self.sample(attempt)
        return unread

    def verify(self, attempt: Attempt) -> None:
        """The action's own check once its tier is back (a Kafka broker a voter again); what is wrong raises."""
        exp = attempt.experiment
        attempt.phase = "verify"
        found = actions.of(exp).verify(self.kubectl, exp, attempt.run(), lambda text: self.waiting(exp, text))
        if found:
            self.step(exp, "verify", found)

    def waiting(self, exp: Experiment, text: str) -> None:
        """What a slow step still waits for, on screen only: the step that ends the wait is journaled."""
        self.console.print(f"[yellow]…[/] +{self.elapsed():.0f} s {escape(exp.name)} {escape(text)}")

    def lift(self, attempt: Attempt, undo: Undo) -> None:
        """End a cut-off early (its undo actions); what failed stays registered for the final rollback."""
        failed, stopped = self.rollback(attempt.experiment, undo, "lift")
        undo.actions.extend(undoing for undoing, _ in failed)
        if stopped:
            raise KeyboardInterrupt
        if failed:
            raise Ca3Error(" ".join(message for _, message in failed))
        attempt.fault = replace(attempt.fault, lifted_at=self.elapsed())

    def rollback(self, exp: Experiment, undo: Undo, phase: str = "rollback"
                 ) -> tuple[list[tuple[Undoing, str]], bool]:
        """Every undo action, newest first: (those that failed, with why; whether Ctrl-C came meanwhile). An action
        a Ctrl-C cut short is tried once more: a second Ctrl-C must not leave the cluster changed."""
        failed: list[tuple[Undoing, str]] = []
        stopped = False
        for undoing in undo.pop_all():
            for attempt in range(2):
                try:
                    self.undo(undoing)
                    self.step(exp, phase, undoing.description, detail="after a Ctrl-C" if attempt else "")
                    break
                except KeyboardInterrupt:
                    stopped = True
                    if attempt:
                        failed.append((undoing, f"{undoing.description} was cut short by Ctrl-C."))
                        self.step(exp, phase, undoing.description, "interrupted")
                except Ca3Error as exc:
                    failed.append((undoing, f"{undoing.description} failed: {why(exc)}"))
                    self.step(exp, phase, undoing.description, "failed", why(exc))
                    break
        return failed, stopped

    def undo(self, undoing: Undoing) -> None:
        """One undo action, retried while the API server does not answer for up to UNDO_RIDE_S (undo actions are
        idempotent); an outage past that stops the drill, with the sentence naming the command to run by hand."""
        try:
            outage.ride_out(undoing.action, self.clock.monotonic() + UNDO_RIDE_S, outage.named(self.kubectl),
                            undoing.by_hand, self.unanswered, self.clock)
        except outage.ApiOutage as exc:
            self.lost_api = exc
            last = outage.unreachable_reason(exc.__cause__) if isinstance(exc.__cause__, Ca3Error) else None
            raise outage.ApiOutage(
                f"the API server of context {outage.named(self.kubectl)} did not answer for {UNDO_RIDE_S:.0f} s "
                f"(last: {last}). Once `kubectl cluster-info` answers, run {undoing.by_hand} by hand.",
                outage.named(self.kubectl)) from exc
        self.answered()

    def count(self, attempt: Attempt, run: Run) -> Run:
        """The readings stored over the experiment's window (not counted when the fault was never injected)."""
        if run.fault.injected_at is None or not run.samples:
            return run
        window = (run.samples[0].t - LEAD_S, max(run.fault.injected_at, run.samples[-1].t - TAIL_S))
        self.ends = self.elapsed() + self.timing.measure_timeout_s
        try:
            stored = self.ride_out(lambda: self.data.readings(self.wall0 + window[0], self.wall0 + window[1]))
        except (Unreadable, outage.ApiOutage) as exc:
            self.step(attempt.experiment, "count", "reading the stored readings", "failed", str(exc))
            return replace(run, outcome="unmeasured", reason=_sentences(
                str(exc), "The readings lost and duplicated were not counted"))
        since_ms = (self.wall0 + window[0]) * 1000
        fresh = sorted({r.producer for r in stored if (loss.process_start_ms(r.producer) or 0) >= since_ms})
        return replace(run, readings=tuple(stored), window=window, fresh_producers=tuple(fresh))

    def prepare(self, attempt: Attempt) -> Run | None:
        """Steady state, then whether the experiment can run here: a Run when it ends before injecting."""
        exp = attempt.experiment
        try:
            problems = self.wait_steady(attempt)
        except Ca3Error as exc:  # the pods could not be listed: a missing namespace, a refused API call
            self.step(exp, "steady-before", "could not read the cluster; not injected", "failed", why(exc))
            return attempt.run("unmeasured", _sentences(f"could not read the pods: {why(exc)}",
                                                        "Nothing was injected"))
        unread = attempt.samples[-1].unread
        if unread:
            self.step(exp, "steady-before", "could not read the data path; not injected", "failed", "; ".join(unread))
            return attempt.run("unmeasured", _sentences(*unread, "Nothing was injected"))
        if problems:
            self.step(exp, "steady-before", "not steady; not injected", "failed", "; ".join(problems))
            return attempt.run("not-steady", f"The pipeline was not in steady state: {'; '.join(problems)}.")
        self.step(exp, "steady-before", "steady state")
        try:
            skip = actions.of(exp).precondition(self.kubectl, exp, attempt.samples[-1], self.cast)
        except Ca3Error as exc:
            self.step(exp, "skip", "could not tell whether it can run here", "failed", why(exc))
            return attempt.run("unmeasured", _sentences(
                f"could not tell whether {exp.name} can run here: {why(exc)}", "Nothing was injected"))
        if skip:
            self.step(exp, "skip", skip)
            return attempt.run("skipped", skip)
        return None

    def execute(self, attempt: Attempt) -> Run:
        """Inject and measure; whatever it changed is undone however that ends."""
        exp, undo = attempt.experiment, Undo()
        outcome: Outcome = "completed"
        reason = ""
        try:
            self.inject_fault(attempt, undo)
            unread = self.measure(attempt, undo)
            if unread:
                outcome, reason = "unmeasured", _sentences(unread, "The recovery could not be judged without it")
            elif recovery.ready_at(attempt.run()) is not None:
                self.verify(attempt)
        except KeyboardInterrupt:
            outcome = "interrupted"
            reason = f"Interrupted by Ctrl-C during {attempt.phase}; what it changed was undone."
            self.step(exp, attempt.phase, "Ctrl-C", "interrupted")
        except Ca3Error as exc:
            outcome, reason = "failed", f"{attempt.phase} failed: {why(exc)}"
            self.step(exp, attempt.phase, "failed", "failed", why(exc))
        finally:
            if self.operator is not None:
                self.operator.unwatch()  # stopped already unless the measuring ended early
            changed = bool(undo.actions)
            failed, stopped = self.rollback(exp, undo)
            if not changed and attempt.fault.injected_at is not None:
                self.step(exp, "rollback", actions.of(exp).undo_text(exp))
        if stopped and outcome != "interrupted":
            outcome, reason = "interrupted", f"Interrupted by Ctrl-C during the rollback. {reason}".strip()
        if failed:
            reason = " ".join([reason, *(message for _, message in failed)]).strip()
            outcome = "interrupted" if outcome == "interrupted" else "failed"
        return attempt.run(outcome, reason)

    def run_one(self, exp: Experiment) -> Run:
        attempt = Attempt(exp)
        self.watch.experiment = exp.name
        if self.operator is not None:
            self.operator.title(exp)
        if exp.name in self.absent:
            self.step(exp, "skip", self.absent[exp.name])
            return attempt.run("skipped", self.absent[exp.name])
        try:
            early = self.prepare(attempt)
        except KeyboardInterrupt:
            self.step(exp, attempt.phase, "Ctrl-C", "interrupted")
            return attempt.run("interrupted", "Interrupted by Ctrl-C before the fault; nothing was changed.")
        if early is not None:
            return early
        run = self.execute(attempt)
        if run.outcome == "interrupted":
            return run
        try:
            if self.operator is not None and run.fault.injected_at is not None:
                self.ends = self.elapsed() + self.timing.measure_timeout_s  # its reads ride out an outage this long
                self.operator.after(run, self.ride_out)
            return self.count(attempt, run)
        except KeyboardInterrupt:
            return replace(run, outcome="interrupted",
                           reason="Interrupted by Ctrl-C while counting the stored readings; what it changed was "
                                  "undone.")

    def run_all(self, experiments: Sequence[Experiment]) -> Drill:
        """Each experiment in turn, with the live view; Ctrl-C raises Interrupted with everything so far."""
        runs: list[Run] = []
        if self.operator is not None:
            self.operator.begin(experiments)
        with nullcontext() if self.operator else Live(console=self.console, auto_refresh=False) as live:
            self.live = live
            try:
                for exp in experiments:
                    run = self.run_one(exp)
                    runs.append(run)
                    result = recovery.analyse(run)
                    self.watch.results.append(view.verdict_line(result))
                    self.refresh()
                    if self.operator is not None:
                        self.operator.verdict(result)
                    if run.outcome == "interrupted":
                        raise Interrupted(self.finish(runs, interrupted=True))
                    if self.lost_api is not None:  # the next experiments would only wait for it again
                        if exp is not experiments[-1]:
                            self.step(exp, "stop", "the API server did not come back; the remaining experiments "
                                      "were not run", "failed")
                        break
            except KeyboardInterrupt as stop:  # between experiments, or while waiting for steady state
                if isinstance(stop, Interrupted):
                    raise
                raise Interrupted(self.finish(runs, interrupted=True)) from None
            finally:
                self.live = None
                if live is not None:
                    live.stop()
                    if not self.console.is_terminal:  # Live leaves a file's last line without its newline
                        self.console.line()
        return self.finish(runs, interrupted=False)

    def finish(self, runs: list[Run], interrupted: bool) -> Drill:
        screens = tuple(self.operator.screens) if self.operator is not None else ()
        return replace(self.drill, runs=tuple(runs), steps=tuple(self.steps), interrupted=interrupted,
                       screens=screens)


def _read(read: Callable[[], float | None]) -> tuple[float | None, str]:
    """A data-path value and "", or None and why it could not be read."""
    try:
        return read(), ""
    except Unreadable as exc:
        return None, str(exc)


def _sentences(*texts: str) -> str:
    """Each text as a sentence (capitalised, ending with a full stop), joined."""
    return " ".join(t[:1].upper() + t[1:] + ("" if t.endswith(".") else ".") for t in (x.strip() for x in texts))
