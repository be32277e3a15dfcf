"""`ca3 handin`: build the submission (milestones 10-11), scan it for secrets, print and write its checklist."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from ca3cli.commands import flags
from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core import registry
from ca3cli.core.errors import CheckFailed

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
    settings = here.settings
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
