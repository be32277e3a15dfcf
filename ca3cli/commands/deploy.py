"""`ca3 deploy -m N`: render, lint, preflight, apply in phases with waits, prune; or only plan, diff, server dry run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import typer
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
from typer.core import TyperCommand

from ca3cli.commands.common import console, load_settings, options
from ca3cli.commands.flags import flag
from ca3cli.core import template_values
from ca3cli.core.errors import Ca3Error, ConfigError

if TYPE_CHECKING:  # the core is imported when a deploy runs, so `ca3 --help` stays fast
    # typer 0.29 vendors click: Command.parse_args takes that click's Context (typer.Context's base class).
    from typer._click import Context as ClickContext

    from ca3cli.core import plan
    from ca3cli.core.plan import Phase
    from ca3cli.core.readiness import Reading
    from ca3cli.core.settings import Settings
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations import deploy as core
    from ca3cli.operations.diagnose import Diagnosis
    from ca3cli.operations.preflight import Check

DRY_RUN_CHOICES = ("client", "server")


class DeployCommand(TyperCommand):
    """Lets `--dry-run` stand alone (offline) or carry a value (`--dry-run=server`), as kubectl's flag does.

    Typer's parser has no optional option values, so a bare `--dry-run` is rewritten to `--dry-run=client`.
    """

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        return super().parse_args(ctx, ["--dry-run=client" if arg == "--dry-run" else arg for arg in args])


class ProgressReporter:
    """Draws one rich progress bar over the phases, one row per waited object, and prints what each phase does."""

    def __init__(self, progress: Progress, log: RunLog) -> None:
        self.progress, self.log = progress, log
        self.task = progress.add_task("preflight", total=None)
        self.rows: dict[str, tuple[TaskID, str]] = {}  # waited object -> its row and the last state logged
        self.description = "preflight"  # what the phase row says when the API server answers
        self.outage_s: float | None = None  # how long the API server has not answered, while it does not

    def checks(self, checks: list[Check]) -> None:
        from ca3cli.commands.session import report_checks

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


def _mode(dry_run: str, diff: bool) -> str:
    """`offline`, `server-dry-run`, `diff` or `apply` from the flags; contradictions are a ConfigError."""
    if dry_run and dry_run not in DRY_RUN_CHOICES:
        raise ConfigError(f"--dry-run={dry_run} is not allowed; use --dry-run (offline) or --dry-run=server.")
    if dry_run and diff:
        raise ConfigError("--diff and --dry-run cannot be combined; choose one.")
    return {"client": "offline", "server": "server-dry-run"}.get(dry_run, "diff" if diff else "apply")


def _secrets(ctx: typer.Context, settings: Settings, milestone: int, offline: bool) -> Mapping[str, str]:
    """The generated secrets and the TLS certificates milestones 1..N need; an offline plan works before
    `ca3 init` with placeholder secrets (never sent anywhere), but a TLS milestone needs `ca3 certs` first."""
    from ca3cli.commands.certs import tls_values
    from ca3cli.edges import secrets

    folder = secrets.folder_for(options(ctx).config)
    generated = template_values.placeholders() if offline and not folder.is_dir() else secrets.load(folder)
    return {**generated, **tls_values(ctx, settings, milestone, keys=True)}


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


def execute(settings: Settings, the_plan: plan.Plan, values: Mapping[str, str], request: core.Request,
            context: str | None = None) -> None:
    """Run the deploy with progress and a run log; on failure show the evidence, then let the error exit.

    `context` overrides the settings' kube context (`ca3 up` deploys to the cluster it found or made).
    """
    from ca3cli.commands.session import kubectl_for
    from ca3cli.core import plan
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations import deploy as core

    log = RunLog("deploy", values.values())
    log.line(f"ca3 deploy -m {request.milestone} mode={request.mode} namespace={settings.namespace}")
    log.line("\n".join(plan.describe(the_plan)))
    kubectl = kubectl_for(settings, log, context)
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


def deploy(
    ctx: typer.Context,
    milestone: int = typer.Option(1, "--milestone", "-m", help="Deploy everything milestones 1..N need."),
    dry_run: str = typer.Option("", "--dry-run", metavar="[server]",
                                help="Alone: offline, render + lint + print the plan, no cluster call. "
                                     "=server: the API server validates every object, nothing changes."),
    diff: bool = flag("--diff", help="Show what would change in the cluster (`kubectl diff`)."),
    delete_data: bool = flag("--delete-data",
                                     help="Let pruning delete PersistentVolumeClaims no StatefulSet claims any more."),
    take_over_labels: bool = flag("--take-over-labels",
                                  help="Own the namespace's Pod Security labels even if another tool set them "
                                       "(server-side apply with force, for the Namespace only)."),
) -> None:
    """Apply milestones 1..N in dependency order with real waits; prune objects no longer rendered."""
    from ca3cli.core import plan
    from ca3cli.operations import deploy as core

    mode = _mode(dry_run, diff)
    settings = load_settings(ctx)
    values = _secrets(ctx, settings, milestone, offline=mode == "offline")
    the_plan = core.prepare(settings, values, milestone)
    if mode == "offline":
        for line in plan.describe(the_plan):
            console.print(escape(line), soft_wrap=True)
        console.print("Dry run: rendered and linted offline; nothing was sent to a cluster.")
        return
    execute(settings, the_plan, values, core.Request(milestone, cast(core.Mode, mode), delete_data, take_over_labels))
