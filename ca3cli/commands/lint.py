"""`ca3 lint`: strict schema validation at Kubernetes 1.30 and 1.37 plus cross-reference rules, offline."""

from __future__ import annotations

import typer
from rich.markup import escape

from ca3cli.commands import flags
from ca3cli.commands.common import console, err_console, project
from ca3cli.core import registry
from ca3cli.core.errors import LintError


def lint(
    ctx: typer.Context,
    milestone: int = flags.milestone(..., help="Lint the manifests of milestones 1..N."),
) -> None:
    """Check the rendered manifests of milestones 1..N; exit non-zero with a list of findings if any fail."""
    from ca3cli.core import lint as linting
    from ca3cli.core import render as rendering
    from ca3cli.edges import lint_verdicts

    here = project(ctx)
    manifests = rendering.render(here.settings, here.values(milestone, real_secrets=False, keys=False), milestone)
    objs = linting.objects(manifests)
    findings = lint_verdicts.checked(objs)
    if findings:
        for finding in findings:
            err_console.print(f"[red]✗[/] [bold]{escape(finding.rule)}[/] "
                              f"{escape(finding.where)}: {escape(finding.message)}")
        raise LintError(
            f"{len(findings)} problem(s) in the manifests of {registry.span(milestone)}. Fix the templates or ca3.yaml "
            "settings named above, then run `ca3 lint` again."
        )
    versions = " and ".join(linting.VERSIONS)
    console.print(
        f"[green]✓[/] {len(objs)} objects of {registry.span(milestone)} pass strict schemas ({versions}) "
        f"and {len(linting.RULES)} cross-reference rules."
    )
