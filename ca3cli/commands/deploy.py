"""`ca3 deploy -m N`: render, lint, preflight, apply in phases with waits, prune; or only plan, diff, server dry run."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import typer
from rich.markup import escape

from ca3cli.commands import flags
from ca3cli.commands.common import console, project
from ca3cli.commands.flags import Command, flag
from ca3cli.commands.screens import execute
from ca3cli.core.errors import ConfigError

if TYPE_CHECKING:
    # typer 0.29 vendors click: Command.parse_args takes that click's Context (typer.Context's base class).
    from typer._click import Context as ClickContext

DRY_RUN_CHOICES = ("client", "server")


class DeployCommand(Command):
    """Lets `--dry-run` stand alone (offline) or carry a value (`--dry-run=server`), as kubectl's flag does.

    Typer's parser has no optional option values, so a bare `--dry-run` is rewritten to `--dry-run=client`.
    """

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        return super().parse_args(ctx, ["--dry-run=client" if arg == "--dry-run" else arg for arg in args])


def _mode(dry_run: str, diff: bool) -> str:
    """`offline`, `server-dry-run`, `diff` or `apply` from the flags; contradictions are a ConfigError."""
    if dry_run and dry_run not in DRY_RUN_CHOICES:
        raise ConfigError(f"--dry-run={dry_run} is not allowed; use --dry-run (offline) or --dry-run=server.")
    if dry_run and diff:
        raise ConfigError("--diff and --dry-run cannot be combined; choose one.")
    return {"client": "offline", "server": "server-dry-run"}.get(dry_run, "diff" if diff else "apply")


def deploy(
    ctx: typer.Context,
    milestone: int = flags.milestone(1, help="Deploy everything milestones 1..N need."),
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
    here = project(ctx)
    # an offline plan works before `ca3 init` with placeholder secrets (never sent anywhere); a TLS milestone needs
    # `ca3 certs` first
    values = here.values(milestone, real_secrets=True, keys=True, placeholders_before_init=mode == "offline")
    the_plan = core.prepare(here.settings, values, milestone)
    if mode == "offline":
        for line in plan.describe(the_plan):
            console.print(escape(line), soft_wrap=True)
        console.print("Dry run: rendered and linted offline; nothing was sent to a cluster.")
        return
    execute(here, the_plan, values, core.Request(milestone, cast(core.Mode, mode), delete_data, take_over_labels))
