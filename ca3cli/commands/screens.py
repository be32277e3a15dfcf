"""What deploy, up and cluster show while they work: the step lines of a cluster or image step, deploy's progress
bar and rows, the preflight lines, the evidence of a failed rollout and the closing summary (shared by the commands,
so no command imports another)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ca3cli.commands.common import console
from ca3cli.core.errors import Ca3Error

if TYPE_CHECKING:  # the core is imported when a deploy runs, so `ca3 --help` stays fast
    from ca3cli.core import plan
    from ca3cli.core.plan import Phase
    from ca3cli.core.readiness import Reading
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations import deploy as core
    from ca3cli.operations.diagnose import Diagnosis
    from ca3cli.operations.localcluster import ClusterStep
    from ca3cli.operations.preflight import Check
    from ca3cli.operations.project import Project

MARKS = {"ok": "[green]ok[/]", "warn": "[yellow]warning[/]", "fail": "[red]failed[/]"}


class StepPrinter:
    """Prints each step as `title n/total what: command`; a spinner runs while kubectl works quietly, the other tools
    print their own progress."""

    def __init__(self, title: str) -> None:
        self.title = title

    def step(self, number: int, total: int, step: ClusterStep) -> AbstractContextManager[object]:
        console.print(f"[bold]{self.title} {number}/{total}[/] {escape(step.description)}: "
                      f"[dim]{escape(' '.join(step.argv))}[/]", soft_wrap=True)
        return console.status(escape(step.description)) if step.argv[0] == "kubectl" else nullcontext()


def report_checks(checks: list[Check], out: Console = console) -> None:
    """One line per preflight check; warnings carry their fix."""
    for check in checks:
        out.print(f"{MARKS[check.status]} {check.name}: {escape(check.message)}")


class ProgressReporter:
    """Draws one rich progress bar over the phases, one row per waited object, and prints what each phase does."""

    def __init__(self, progress: Progress, log: RunLog) -> None:
        self.progress, self.log = progress, log
        self.task = progress.add_task("preflight", total=None)
        self.rows: dict[str, tuple[TaskID, str]] = {}  # waited object -> its row and the last state logged
        self.description = "preflight"  # what the phase row says when the API server answers
        self.outage_s: float | None = None  # how long the API server has not answered, while it does not

    def checks(self, checks: list[Check]) -> None:
        report_checks(checks, self.progress.console)
        for check in checks:
            self.log.line(f"preflight {check.name}: {check.status}: {check.message}")

    def phase(self, phase: Phase, total: int) -> None:
        text = f"phase {phase.number}/{total}: {', '.join(phase.components)}"
        self.description = text
        self.progress.update(self.task, total=total, completed=phase.number - 1, description=escape(text))
        self.progress.console.print(f"[bold]Phase {phase.number}/{total}[/] {escape(', '.join(phase.components))}: "
                                    f"applying {len(phase.objects)} object(s)")
        self.log.line(text)

    def step(self, text: str) -> None:
        self.description = text
        self.progress.update(self.task, description=escape(text))
        self.progress.console.print(f"  {escape(text)}")
        self.log.line(text)

    def warnings(self, warnings: list[str]) -> None:
        """The API server's warnings for the phase just applied, each shown and logged the first time it comes."""
        for warning in warnings:
            self.progress.console.print(f"  [yellow]warning from the API server:[/] {escape(warning)}")
            self.log.line(f"warning from the API server: {warning}")

    def state(self, resource: str, reading: Reading) -> None:
        """A live row per waited object until it is Current; a printed and logged line whenever its state changes."""
        text = f"{resource}: {reading.status} ({reading.message})"
        row, last = self.rows.get(resource) or (self.progress.add_task(escape(text), total=None), "")
        if text != last:
            self.progress.console.print(f"    {escape(text)}")
            self.log.line(text)
        if reading.status == "Current":
            self.progress.remove_task(row)
            self.rows.pop(resource, None)
        else:
            self.progress.update(row, description=f"  {escape(text)}")
            self.rows[resource] = (row, text)
        self._answered()

    def unanswered(self, seconds: float) -> None:
        """While a poll is retried: "API server not answering, retrying (12 s)" on the phase's row and in the run
        log; printed once when the outage starts."""
        text = f"API server not answering, retrying ({seconds:.0f} s)"
        if self.outage_s is None:
            self.progress.console.print("  [yellow]API server not answering, retrying[/]")
        self.log.line(text)
        self.outage_s = seconds
        self.progress.update(self.task, description=escape(text))

    def _answered(self) -> None:
        """A poll was answered: end the outage shown, if any, and say so."""
        if self.outage_s is None:
            return
        text = f"API server answering again (it did not for {self.outage_s:.0f} s or more)"
        self.progress.console.print(f"  {escape(text)}")
        self.log.line(text)
        self.outage_s = None
        self.progress.update(self.task, description=escape(self.description))


def show_diagnosis(diagnosis: Diagnosis, log: RunLog) -> None:
    """Pod states, events and last logs of the failing object, on screen and in the run log (both redacted)."""
    sections = [("pods", "\n".join(diagnosis.pods) or "(no pods)"),
                ("events", "\n".join(diagnosis.events) or "(no events)")]
    sections += [(f"last logs of pod {pod}", text or "(no output)") for pod, text in diagnosis.logs.items()]
    for title, text in sections:
        clean = log.redact(text)
        console.print(Panel(escape(clean), title=f"{diagnosis.resource}: {title}", title_align="left", expand=False))
        log.line(f"--- {diagnosis.resource}: {title}\n{clean}")


def _summary(outcome: core.Outcome, mode: str) -> None:
    if mode == "diff":
        console.print(escape(outcome.diff) if outcome.diff.strip() else "No changes: the cluster matches the plan.")
    done = mode == "apply"
    for ref in outcome.pruned:
        if ref in outcome.replaced:
            console.print(f"{'replaced' if done else 'would replace'} {escape(str(ref))} with "
                          f"{escape(str(outcome.replaced[ref]))} (the Job's spec changed; it runs once more)")
        else:
            console.print(f"{'pruned' if done else 'would prune'} {escape(str(ref))} (no longer rendered)")
    if mode == "apply":
        console.print(f"[green]Milestone {outcome.plan.milestone} deployed:[/] {len(outcome.plan.phases)} phases, "
                      f"{len(outcome.plan.objects)} objects. Next: `ca3 status`, then `ca3 validate -m "
                      f"{outcome.plan.milestone}`.")
    elif mode == "server-dry-run":
        console.print("Server dry run passed: the API server accepted every object; nothing was changed.")


def execute(project: Project, the_plan: plan.Plan, values: Mapping[str, str], request: core.Request,
            context: str | None = None) -> None:
    """Run the deploy with progress and a run log; on failure show the evidence, then let the error exit.

    `context` overrides the settings' kube context (`ca3 up` deploys to the cluster it found or made).
    """
    from ca3cli.core import plan
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations import deploy as core

    settings = project.settings
    log = RunLog("deploy", values.values(), project.run_logs)
    log.line(f"ca3 deploy -m {request.milestone} mode={request.mode} namespace={settings.namespace}")
    log.line("\n".join(plan.describe(the_plan)))
    kubectl = project.kubectl(log, context)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            outcome = core.run(kubectl, settings, the_plan, request, ProgressReporter(progress, log), log.redact)
    except core.RolloutFailed as exc:
        show_diagnosis(exc.diagnosis, log)
        log.line(f"FAILED: {exc}")
        console.print(f"Run log: {log.path}")
        raise
    except (Ca3Error, KeyboardInterrupt) as exc:
        log.line(f"FAILED: {exc}" if isinstance(exc, Ca3Error) else "INTERRUPTED by the user")
        console.print(f"Run log: {log.path}")
        raise
    _summary(outcome, request.mode)
    log.line(f"OK: {len(outcome.applied)} object(s) applied, {len(outcome.pruned)} pruned")
    console.print(f"Run log: {log.path}")


