"""`ca3 handin`: build the submission (milestones 10-11), scan it for secrets, print and write its checklist."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ca3cli.commands.common import console, err_console, load_settings, options
from ca3cli.commands.flags import flag
from ca3cli.core import registry
from ca3cli.core.errors import CheckFailed

STYLES = {"PRESENT": "green", "MISSING": "bold red", "BY HAND": "yellow"}


def _values(config: Path) -> list[str]:
    """The generated secret values and private keys when this project has them (a clean clone has none)."""
    from ca3cli.edges import secrets
    from ca3cli.operations.handin import scan

    folder = secrets.folder_for(config)
    values = list(secrets.load(folder).values()) if folder.is_dir() else []
    return values + scan.key_material(folder.parent)


def handin(
    ctx: typer.Context,
    milestone: int = typer.Option(registry.HIGHEST, "--milestone", "-m",
                                  help=f"Hand in milestones 1..N (1-{registry.HIGHEST}), plus 10 and 11."),
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
    config = options(ctx).config
    project = config.parent
    root = out if out is not None else project
    values = _values(config)
    if accept_findings:
        findings = build.accept_findings(root, project, values, err_console.print)
        for finding in findings:
            console.print(f"accepted {escape(finding.describe())} ({escape(finding.kind)})")
        console.print(f"Wrote {project / '.secrets.baseline'} accepting {len(findings)} finding(s).")
        return
    settings = load_settings(ctx)
    files.folder(root)
    with err_console.status("Building the submission and scanning it for secrets..."):
        result = build.run(settings, milestone, root, project, values, err_console.print)
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
