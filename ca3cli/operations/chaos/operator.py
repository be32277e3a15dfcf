"""The operator at the terminal: each scenario opens with a title card, then the commands an operator runs are
typed at a prompt and answered with kubectl's own output (pods before, the fault, `get pods -w` while the pod
comes back, pods after, `describe`, the logs, the events, the stored readings, the verdict).

Every kubectl goes through the door (ca3cli/edges/kube.py); what each printed is kept as a `Screen`, so
pod-recovery.txt and its pictures show kubectl's output, never a table rebuilt from JSON. `Pace` decides how fast
it is typed and how long each answer stays before the next command: a filmed drill types and pauses like a person
(so a viewer can read), a plain one does neither.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.edges.kube import Kubectl, Result
from ca3cli.edges.outage import ApiOutage, unreachable_reason
from ca3cli.edges.watch import Watch
from ca3cli.operations.chaos.actions.base import is_victim
from ca3cli.operations.chaos.data import Data
from ca3cli.operations.chaos.model import Experiment, Reading, Run, Screen, utc_now
from ca3cli.operations.chaos.recovery import RECOVERY_TARGET_S
from ca3cli.operations.chaos.recovery import Result as Verdict
from ca3cli.operations.chaos.view import verdict_line

PROMPT = "$ "
LOG_LINES = 10
DATA_WINDOW_S = 15.0  # the stored readings shown after recovery: those of the last 15 s
DATA_ROWS = 6
Through = Callable[[Callable[[], Result]], Result]  # how a read is run: at once, or ridden out through an outage


def at_once(read: Callable[[], Result]) -> Result:
    """A read run once, as it answers (the operator outside a drill)."""
    return read()


@dataclass(frozen=True)
class Pace:
    """Seconds per typed character, after each answer, and for a title card; `sleep` waits (tests pass a clock's)."""

    key_s: float = 0.0
    enter_s: float = 0.0  # the moment between the last key and Enter: the typed command stands alone on screen
    read_s: float = 0.0
    title_s: float = 0.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def filmed(self) -> bool:
        return self.title_s > 0


# A filmed drill: about 30 characters a second, 2.5 s to read each answer, 3 s per title card (the video caps any
# still stretch at 3 s, so these survive as they are).
FILM = Pace(key_s=0.03, enter_s=0.4, read_s=2.5, title_s=3.0)


def expectation(exp: Experiment) -> str:
    """What the viewer should see happen, in one line."""
    if exp.action == "delete-pod":
        return f"a new {exp.tier} pod Running and Ready within {RECOVERY_TARGET_S:.0f} s, and readings stored again"
    if exp.action == "kill-main":
        return f"the same pod's container restarted (RESTARTS + 1) and Ready within {RECOVERY_TARGET_S:.0f} s"
    if exp.action == "cut-off":
        return "readings stop while the tier is cut off, and flow again once its policies are back"
    return "the node's pods rescheduled elsewhere and Ready, readings stored again"


def inspected(run: Run) -> tuple[str, bool]:
    """The pod to describe and read logs of after recovery, and whether its previous container's logs are the ones
    to read: the restarted pod itself for a killed process, otherwise the tier's replacement (or first) pod."""
    last = run.samples[-1] if run.samples else None
    if last is None or not run.experiment.tier:
        return "", False
    pods = last.tier(run.experiment.tier)
    if run.experiment.action == "kill-main":
        return run.fault.victim, True
    fresh = [p for p in pods if not is_victim(p, run.fault) and p.phase != "Terminating"]
    chosen = fresh or [p for p in pods if p.phase != "Terminating"] or list(pods)
    return (chosen[0].name if chosen else ""), False


def data_rows(readings: Sequence[Reading], now: float) -> str:
    """The newest stored readings as a small table: producer pod, sequence number, event time, age."""
    newest = sorted(readings, key=lambda r: r.time_ns)[-DATA_ROWS:]
    if not newest:
        return f"(no reading stored in the last {DATA_WINDOW_S:.0f} s)"
    width = max(len("PRODUCER"), *(len(r.producer) for r in newest))
    lines = [f"{'PRODUCER':<{width}}   {'SEQ':>6}   {'TIME (UTC)':<12}   AGE"]
    for r in newest:
        at = r.time_ns / 1e9
        stamp = f"{datetime.fromtimestamp(at, UTC):%H:%M:%S.%f}"[:12]
        lines.append(f"{r.producer:<{width}}   {r.seq:>6}   {stamp:<12}   {max(now - at, 0.0):.1f} s")
    return "\n".join(lines)


class Operator:
    """Shows the operator's commands and kubectl's answers on `console`, and keeps them as Screens."""

    def __init__(self, kubectl: Kubectl, console: Console, pace: Pace = Pace(), data: Data | None = None,
                 query: Callable[[float, float], str] | None = None) -> None:
        self.kubectl, self.console, self.pace, self.data = kubectl, console, pace, data
        self.query = query  # the text of the query that reads the stored readings between two instants
        self.screens: list[Screen] = []
        self.experiment = ""
        self.order: list[str] = []
        self._watch: tuple[str, Watch] | None = None
        self._lock = threading.Lock()

    def shown(self, *args: str, namespaced: bool = True) -> str:
        """A kubectl command as an operator types it (the namespace flag kept, the context said once at the top)."""
        words = ["kubectl", *(["-n", self.kubectl.namespace] if namespaced and self.kubectl.namespace else []), *args]
        return shlex.join(words)

    def say(self, text: str) -> None:
        """Plain text as a command printed it (no markup read into it); the watch thread prints too."""
        with self._lock:
            self.console.print(Text(text), soft_wrap=True, highlight=False, markup=False)

    def type(self, command: str) -> None:
        """The prompt, then the command a character at a time (at once when not filmed)."""
        self.console.print(Text(PROMPT, style="bold green"), end="")
        if self.pace.key_s <= 0:
            self.console.print(Text(command), highlight=False)
            return
        for char in command:
            self.console.print(Text(char), end="", highlight=False)
            self.console.file.flush()
            self.pace.sleep(self.pace.key_s)
        self.pace.sleep(self.pace.enter_s)
        self.console.print()

    def keep(self, moment: str, command: str, output: str) -> None:
        self.screens.append(Screen(self.experiment, moment, utc_now(), command, output))

    def answer(self, result: Result) -> str:
        """What a kubectl call printed, stdout then stderr as a terminal shows both, without the final newline."""
        return (result.stdout + result.stderr).rstrip("\n")

    def run(self, moment: str, *args: str, namespaced: bool = True, through: Through | None = None) -> str:
        """Type a read-only kubectl command, run it through the door (`through`: the drill's ride-out of an API
        outage), show and keep its answer, pause to read. An outage past the ride-out shows its sentence instead."""
        command = self.shown(*args, namespaced=namespaced)
        self.type(command)
        try:
            output = self.answer((through or at_once)(lambda: self.answered(*args, namespaced=namespaced)))
        except ApiOutage as exc:
            output = str(exc)
        if output:
            self.say(output)
        self.keep(moment, command, output)
        self.pace.sleep(self.pace.read_s)
        return output

    def answered(self, *args: str, namespaced: bool) -> Result:
        """kubectl's answer, shown whatever it says, unless the API server did not answer: that is raised, to retry."""
        result = self.kubectl.run(*args, check=False, namespaced=namespaced, timeout=30)
        failure = KubectlError(result.args, result.returncode, result.stdout, result.stderr)
        if result.returncode != 0 and unreachable_reason(failure) is not None:
            raise failure
        return result

    def begin(self, experiments: Sequence[Experiment]) -> None:
        self.order = [e.name for e in experiments]
        where = f"context {self.kubectl.context}, " if self.kubectl.context else ""
        self.console.print(f"[dim]ca3 chaos: {len(experiments)} scenario(s) ({where}namespace "
                           f"{escape(self.kubectl.namespace or 'default')})[/]", highlight=False)

    def title(self, exp: Experiment) -> None:
        """The title card: which failure is next and what should happen."""
        self.experiment = exp.name
        number = self.order.index(exp.name) + 1 if exp.name in self.order else 1
        total = max(len(self.order), 1)
        if self.pace.filmed:
            self.console.clear()
            self.console.print("\n" * 12, end="")
        lines = [f"[reverse] Scenario {number} of {total} [/]  {escape(exp.name)}",
                 f"  Failure next:  {escape(exp.summary)}",
                 f"  Expected:      {escape(expectation(exp))}"]
        self.console.rule()
        for line in lines:
            self.console.print(line, highlight=False)
        self.console.rule()
        self.pace.sleep(self.pace.title_s)

    def before(self) -> None:
        self.run("before", "get", "pods")

    def door(self) -> Kubectl:
        """The kubectl door whose changes (mutating calls) are typed on the screen and answered there."""
        same = {f.name: getattr(self.kubectl, f.name) for f in fields(Kubectl)}  # calls and on_result shared
        return ShownKubectl(**same, operator=self)

    def watch(self, exp: Experiment) -> None:
        """`kubectl get pods -l app=TIER -w` (every pod for a drain), printed line by line as the pods change."""
        args = ["get", "pods", *(["-l", f"app={exp.tier}"] if exp.tier else []), "-w"]
        command = self.shown(*args)
        self.type(command)
        self._watch = (command, Watch(self.kubectl, args, self.say))

    def unwatch(self) -> None:
        """Stop the watch (as Ctrl-C would) and keep what it printed; nothing when no watch runs."""
        watching, self._watch = self._watch, None
        if watching is None:
            return
        command, streaming = watching
        lines = streaming.stop()
        self.say("^C")
        self.keep("during", command, "\n".join(lines))
        self.pace.sleep(self.pace.read_s)

    def after(self, run: Run, through: Through | None = None) -> None:
        """Pods after, then what an operator reads: the pod described, its logs, the events, the stored readings;
        each kubectl read `through` the drill's ride-out of an API outage."""
        exp = run.experiment
        self.run("after", "get", "pods", through=through)
        pod, previous = inspected(run)
        if pod:
            self.run("describe", "describe", "pod", pod, through=through)
            container = ["-c", exp.container] if exp.container else []
            self.run("logs", "logs", pod, *container, *(["--previous"] if previous else []), f"--tail={LOG_LINES}",
                     through=through)
        self.run("events", "get", "events", "--sort-by=.lastTimestamp", through=through)
        self.stored()

    def stored(self) -> None:
        """The readings stored in the last few seconds: data flowing again, from InfluxDB itself."""
        if self.data is None:
            return
        now = time.time()
        query = (self.query(now - DATA_WINDOW_S, now) if self.query is not None
                 else f"the readings stored in the last {DATA_WINDOW_S:.0f} s")
        self.console.print(Text("influxdb> ", style="bold green"), end="")
        self.say(query)
        try:
            output = data_rows(self.data.readings(now - DATA_WINDOW_S, now), time.time())
        except Ca3Error as exc:  # shown as InfluxDB's answer; the verdict counts the readings on its own
            output = f"(InfluxDB did not answer: {exc})"
        self.say(output)
        self.keep("data", f"influxdb> {query}", output)
        self.pace.sleep(self.pace.read_s)

    def verdict(self, result: Verdict) -> None:
        self.console.print(f"verdict: {verdict_line(result)}", highlight=False)
        self.pace.sleep(self.pace.read_s)


@dataclass
class ShownKubectl(Kubectl):
    """The same door; a change it makes (a mutating call) is typed first and its answer shown after."""

    operator: Operator | None = None

    def run(self, *args: str, input: str | None = None, timeout: float | None = None, check: bool = True,
            mutating: bool = False, namespaced: bool = True, ok_codes: tuple[int, ...] = (0,)) -> Result:
        shown = self.operator if mutating else None
        if shown is not None:
            shown.type(shown.shown(*args, namespaced=namespaced))
        try:
            result = super().run(*args, input=input, timeout=timeout, check=check, mutating=mutating,
                                 namespaced=namespaced, ok_codes=ok_codes)
        except KubectlError as exc:
            if shown is not None:
                shown.say((exc.stdout + exc.stderr).rstrip("\n"))
            raise
        if shown is not None and shown.answer(result):
            shown.say(shown.answer(result))
        return result
