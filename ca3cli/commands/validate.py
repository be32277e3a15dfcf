"""`ca3 validate`: prove the verification criteria of milestones 1..N on the live cluster."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ca3cli.commands import flags
from ca3cli.commands.common import console, err_console, project
from ca3cli.commands.flags import flag
from ca3cli.core import registry
from ca3cli.core.errors import CheckFailed
from ca3cli.operations.validate import report
from ca3cli.operations.validate.model import Status

STYLES = {Status.PASS: "green", Status.FAIL: "bold red", Status.WARN: "yellow", Status.SKIP: "dim"}


def _catalogue(number: int | None, only: list[str], as_json: bool) -> None:
    criteria = registry.criteria_for(registry.HIGHEST if number is None else number, only)
    if as_json:
        typer.echo(json.dumps(report.catalogue_json(criteria), indent=2))
        return
    table = Table("ID", "MILESTONE", "CRITERION", title="ca3 validate checks", title_justify="left")
    for c in criteria:
        table.add_row(c.id, report.milestone_label(c.milestone), escape(c.text))
    console.print(table)


def _table(result: report.Report) -> Table:
    table = Table("ID", "M", "WHAT IT PROVES", "STATUS", "EVIDENCE", title=f"Milestones 1-{result.milestone}",
                  title_justify="left")
    for r in result.results:
        status = f"[{STYLES[r.status]}]{r.status.value}[/]"
        table.add_row(r.id, report.milestone_label(r.milestone), escape(r.criterion), status, escape(r.evidence))
    return table


def _split(only: list[str]) -> list[str]:
    """`--only a,b --only c` -> [a, b, c]."""
    return [item.strip() for value in only for item in value.split(",") if item.strip()]


def validate(
    ctx: typer.Context,
    number: int | None = flags.milestone(None, help="Check milestones 1..N (default: the highest deployed)."),
    only: list[str] = typer.Option([], "--only", metavar="ID",
                                   help="Run only these check ids (repeat or comma-separate)."),
    as_json: bool = flag("--json", help="Print the results (or, with --list, the catalogue) as JSON."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write JUnit XML to this file."),
    list_only: bool = flag("--list", help="List the checks without touching a cluster."),
) -> None:
    """Run every check of milestones 1..N and show PASS / FAIL / WARN / SKIP with the evidence seen."""
    ids = _split(only)
    if list_only:
        _catalogue(number, ids, as_json)
        return
    registry.criteria_for(registry.HIGHEST if number is None else number, ids)  # bad input stops before the cluster
    from ca3cli.edges import files
    from ca3cli.operations import preflight
    from ca3cli.operations.validate import catalogue, milestone, runner
    from ca3cli.operations.validate.probe import Probe

    here = project(ctx)
    settings = here.settings
    kubectl = here.kubectl()
    preflight.reachable(kubectl)
    chosen, source = milestone.choose(kubectl, settings.namespace, number)
    checks = catalogue.select(chosen, ids)
    if not as_json:
        err_console.print(f"Validating {escape(source)}: {len(checks)} checks.")
    with err_console.status(f"Running {len(checks)} checks in parallel..."):
        results = runner.run(checks, Probe(kubectl, settings, chosen, outputs=here.outputs))
    outcome = report.Report(chosen, source, tuple(results))
    if junit:
        files.write(junit.parent, junit.name, report.to_junit(outcome))
    if as_json:
        typer.echo(json.dumps(report.to_json(outcome), indent=2))
    else:
        console.print(_table(outcome))
        console.print(report.summary_line(outcome))
    if outcome.failed:
        raise CheckFailed(f"{outcome.counts['FAIL']} of {len(results)} checks failed. Fix what their evidence shows, "
                          "then re-run them with `ca3 validate --only ID`.")
