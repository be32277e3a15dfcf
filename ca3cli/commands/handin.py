"""`ca3 handin`: build the submission (milestones 10-11), scan it for secrets, print and write its checklist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from ca3cli.commands import flags
from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core import registry
from ca3cli.core.errors import CheckFailed, ConfigError

if TYPE_CHECKING:
    from ca3cli.operations.project import Project

STYLES = {"PRESENT": "green", "MISSING": "bold red", "BY HAND": "yellow"}


def _values(here: Project) -> list[str]:
    """The generated secret values and private keys when this project has them (a clean clone has none)."""
    from ca3cli.operations.handin import scan

    folder = here.secrets_folder
    values = list(here.generated().values()) if folder.is_dir() else []
    return values + scan.key_material(folder.parent)


def handin(
    ctx: typer.Context,
    milestone: int = flags.milestone(registry.HIGHEST, help="Hand in milestones 1..N, plus 10 and 11."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Submission folder (default: the project root)."),
    allow_missing: bool = flag("--allow-missing", help="Exit 0 even when cluster-made outputs are missing."),
    accept_findings: bool = flag("--accept-findings", help="Accept every current finding of the secret scan as "
                                 "audited (writes .secrets.baseline); check each one first."),
    make: bool = flag("--make", help="First run, in order, every command a MISSING row names (validate, evidence, "
                      "load test, the recorded drill); a rerun skips what is done."),
    dry_run: bool = flag("--dry-run", help="With --make: print the commands it would run and their time, run none."),
) -> None:
    """Write k8s/, scripts/, outputs/ and README.md; scan them and the git history for secrets; show the checklist."""
    from ca3cli.edges import files
    from ca3cli.operations.handin import build
    from ca3cli.operations.handin.checklist import condensed, detail, missing

    registry.check_milestone(milestone)
    here = project(ctx, required=True)  # never a submission in a folder that is no project
    root = out if out is not None else here.root
    values = _values(here)
    if accept_findings:
        findings = build.accept_findings(root, here.root, values, err_console.print)
        for finding in findings:
            console.print(f"accepted {escape(finding.describe())} ({escape(finding.kind)})")
        console.print(f"Wrote {here.root / '.secrets.baseline'} accepting {len(findings)} finding(s).")
        return
    if dry_run and not make:
        raise ConfigError("--dry-run shows what --make would run: use `ca3 handin --make --dry-run`.")
    settings = here.settings
    if make:
        _make(here, milestone, dry_run)
        if dry_run:
            return
    files.folder(root)
    with err_console.status("Building the submission and scanning it for secrets..."):
        result = build.run(settings, milestone, root, here.root, values, err_console.print)
    table = Table("M", "WHAT THE SEED ASKS", "STATE", "FILE (MADE) / WHAT TO RUN", title="Hand-in checklist",
                  title_justify="left")
    for line in condensed(result.checklist):
        table.add_row(str(line.milestone), escape(line.text), f"[{STYLES[line.state.value]}]{line.state.value}[/]",
                      escape(detail(line)))
    console.print(table)
    console.print(f"Secret scan: nothing found in {result.scanned.blobs} history blobs and {result.scanned.files} "
                  "other files.")
    console.print(f"Wrote the submission into {escape(str(root.resolve()))}/ (checklist: {build.CHECKLIST}).")
    todo = missing(result.checklist)
    if todo and not allow_missing:
        raise CheckFailed(f"{len(todo)} deliverable(s) or criteria are MISSING; run the command each one names, then "
                          "`ca3 handin` again (or pass --allow-missing to hand in without them).")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def _make(here: Project, milestone: int, dry_run: bool) -> None:
    """Plan from the checklist of the project's outputs, show it with its time, then run it (unless a dry run)."""
    from ca3cli.operations.handin import build, make
    from ca3cli.operations.handin.deliverables import CHAOS_RECORD

    settings, project = here.settings, here.root
    road = make.steps(milestone)
    lines = build.assess(settings, milestone, project, project)
    chosen = make.plan(lines, road)
    console.print(f"--make: {len(chosen)} step(s), at most {_minutes(make.at_most_s(chosen))} (the sum of the "
                  "waits their code allows; most end sooner).")
    for number, step in enumerate(chosen, start=1):
        console.print(f"  {number}. {escape(step.command)}   # {escape(step.says)}; at most "
                      f"{_minutes(step.at_most_s)}")
    for shown in dict.fromkeys(f"{line.path or line.text}: {line.todo}" for line in make.not_made(lines, road)):
        console.print(f"  not made by --make: {escape(shown)}")
    if dry_run:
        console.print("Dry run: nothing was run.")
        return
    context = make.Context(here.kubectl(), settings, project, here.secrets_folder, milestone, sys.stdout)
    status = err_console.status("")

    def starting(number: int, step: make.Step) -> None:
        status.stop()
        console.print(f"[bold][{number}/{len(chosen)}] {escape(step.command)}[/] (at most "
                      f"{_minutes(step.at_most_s)})")
        if step.command != CHAOS_RECORD:  # the drill shows its own live view
            status.start()

    try:
        done = make.run(context, chosen, lambda: build.assess(settings, milestone, project, project), starting,
                        lambda text: status.update(escape(text)))
    finally:
        status.stop()
    for ended in done:
        mark = "[green]done[/]" if ended.error is None else f"[red]failed[/]: {escape(ended.error)}"
        console.print(f"{escape(ended.step.command)}: {mark}")
