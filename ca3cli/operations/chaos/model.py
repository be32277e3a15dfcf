"""The drill as data: what each experiment does, what every sample saw, the readings stored, every step taken.

Everything round-trips through JSON (`to_json`/`from_json`): the journal the drill writes is the data the report
and the plot are made from, so a recorded drill can be analysed again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal


def utc_now() -> str:
    """Now in UTC, ISO 8601 to the second: how every step, sample and screen of the journal is stamped."""
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


# unmeasured: the data path could not be read (a failed query, a refused port-forward, a missing object), so the
# experiment is judged by that, not by what the missing numbers would have said.
Outcome = Literal["completed", "failed", "interrupted", "skipped", "not-steady", "unmeasured"]
StepOutcome = Literal["ok", "failed", "dry-run", "interrupted"]


@dataclass(frozen=True)
class Experiment:
    """One failure to inject into one tier (`tier` is the pods' `app` label; empty for a node drain)."""

    name: str
    action: str  # the kind of fault: a key of ca3cli/operations/chaos/actions (delete-pod, kill-main, ...)
    tier: str
    summary: str
    hold_s: float = 0.0  # how long a cut-off lasts before the policies are restored
    container: str = ""  # kill-main: the container whose PID 1 is signalled
    component: str = ""  # the registry component the tier belongs to (its milestone decides where it can run)


@dataclass(frozen=True)
class Cast:
    """The tiers' `app` labels as the drill watches them: every tier, those a reading passes through, and the tier
    whose node a drain takes."""

    tiers: tuple[str, ...]
    data_path: tuple[str, ...]
    drained: str


@dataclass(frozen=True)
class Pod:
    """One pod at one sample: what `kubectl get pods` shows of it."""

    name: str
    app: str
    ready: bool
    restarts: int
    node: str
    phase: str
    waiting: str = ""  # a container's waiting reason (CrashLoopBackOff, ContainerCreating)
    containers: int = 1
    ready_containers: int = 0
    uid: str = ""  # a StatefulSet's replacement has the same name, never the same uid


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the drill started
    at: str  # UTC, ISO 8601
    pods: tuple[Pod, ...]
    newest_s: float | None  # event time of the newest stored reading, seconds since the drill started
    lag: float | None  # consumer lag of the processor's group (kafka-exporter through Prometheus)
    newest_error: str = ""  # why the newest reading could not be read ("could not query InfluxDB: ...")
    lag_error: str = ""  # why the lag could not be read ("could not query Prometheus: ...")

    @property
    def unread(self) -> tuple[str, ...]:
        """What this sample could not read, each as its verdict sentence."""
        return tuple(e for e in (self.newest_error, self.lag_error) if e)

    def tier(self, app: str) -> tuple[Pod, ...]:
        return tuple(p for p in self.pods if p.app == app)

    @property
    def data_age(self) -> float | None:
        """How old the newest stored reading was. One stamped a moment after the sample (its time is taken before
        the database is read, and clocks differ a little) is fresh: age 0, never negative."""
        return None if self.newest_s is None else max(self.t - self.newest_s, 0.0)

    def node_of(self, app: str) -> str:
        """The node of the tier's first scheduled pod ("" when none is)."""
        return next((p.node for p in self.tier(app) if p.node), "")


@dataclass(frozen=True)
class PodsAt:
    """The pods as a watch event left them, at the drill's second the event arrived."""

    t: float
    pods: tuple[Pod, ...]


@dataclass(frozen=True)
class Reading:
    """One stored reading as the database holds it: the producing pod, its sequence number, the event time."""

    producer: str
    seq: int
    time_ns: int


@dataclass(frozen=True)
class Step:
    """One line of the journal: what the drill did or saw, and how it went."""

    t: float
    at: str
    experiment: str
    phase: str  # steady-before, inject, measure, lift, steady-after, verify, rollback, skip
    action: str
    outcome: StepOutcome
    detail: str = ""


@dataclass(frozen=True)
class Fault:
    """What was injected: the victim (pod or node), what it looked like before, and when the fault began and ended."""

    victim: str = ""
    victim_uid: str = ""
    restarts_before: int = 0
    ready_before: dict[str, int] = field(default_factory=dict)  # Ready pods per tier just before the injection
    injected_at: float | None = None
    lifted_at: float | None = None  # a cut-off's policies restored; the recovery clock starts here


@dataclass(frozen=True)
class Run:
    experiment: Experiment
    outcome: Outcome
    reason: str = ""  # why it was skipped, failed or stopped, in a full sentence
    fault: Fault = field(default_factory=Fault)
    samples: tuple[Sample, ...] = ()
    readings: tuple[Reading, ...] = ()
    window: tuple[float, float] | None = None  # seconds since the drill started: the readings counted
    fresh_producers: tuple[str, ...] = ()  # producer processes that started within the window (seq from 0)
    pod_events: tuple[PodsAt, ...] = ()  # the pods after each watch event while it ran (when a watch ran)


@dataclass(frozen=True)
class Screen:
    """A command the operator ran during an experiment and what it printed, verbatim (kubectl's own output)."""

    experiment: str
    moment: str  # before, during, after, describe, logs, events, data
    at: str  # UTC, ISO 8601, when it was run
    command: str  # as typed on the screen
    output: str


@dataclass(frozen=True)
class Drill:
    namespace: str
    started_at: str
    wall0: float  # the drill's start, Unix seconds: turns event times into seconds since the start
    runs: tuple[Run, ...] = ()
    steps: tuple[Step, ...] = ()
    interrupted: bool = False
    screens: tuple[Screen, ...] = ()


def to_json(drill: Drill) -> str:
    return json.dumps(asdict(drill), indent=1)


def _run(raw: dict[str, Any]) -> Run:
    fault = raw["fault"]
    window = raw.get("window")
    return Run(Experiment(**raw["experiment"]), raw["outcome"], raw["reason"],
               Fault(fault["victim"], fault["victim_uid"], fault["restarts_before"], dict(fault["ready_before"]),
                     fault["injected_at"], fault["lifted_at"]),
               tuple(Sample(s["t"], s["at"], tuple(Pod(**p) for p in s["pods"]), s["newest_s"], s["lag"],
                            s.get("newest_error", ""), s.get("lag_error", ""))
                     for s in raw["samples"]),
               tuple(Reading(**r) for r in raw["readings"]),
               None if window is None else (float(window[0]), float(window[1])), tuple(raw["fresh_producers"]),
               tuple(PodsAt(e["t"], tuple(Pod(**p) for p in e["pods"])) for e in raw.get("pod_events", [])))


def from_json(text: str) -> Drill:
    """The drill a journal holds; raises ValueError (or KeyError/TypeError) when the text is not one."""
    raw = json.loads(text)
    return Drill(raw["namespace"], raw["started_at"], float(raw["wall0"]), tuple(_run(r) for r in raw["runs"]),
                 tuple(Step(**s) for s in raw["steps"]), bool(raw["interrupted"]),
                 tuple(Screen(**s) for s in raw.get("screens", [])))
