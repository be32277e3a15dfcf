"""What every command shares: global options, the console, and loading settings and secrets."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from ca3cli import settings as settings_module
from ca3cli.errors import ConfigError
from ca3cli.settings import Settings

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass(frozen=True)
class GlobalOptions:
    """Options given before the command name (`ca3 --config x.yaml deploy ...`)."""

    config: Path
    context: str
    verbose: bool


def options(ctx: typer.Context) -> GlobalOptions:
    """The global options stored by the top-level callback."""
    return ctx.find_root().obj


def load_settings(ctx: typer.Context) -> Settings:
    """Settings from the chosen ca3.yaml and CA3_* variables; `--context` wins over the file's `cluster.context`."""
    opts = options(ctx)
    loaded = settings_module.load(opts.config)
    if opts.context:
        from dataclasses import replace

        loaded = replace(loaded, cluster=replace(loaded.cluster, context=opts.context))
    return loaded


def confirm(question: str, refusal: str) -> None:
    """Ask before deleting; without a terminal to ask on, insist on --yes (`refusal` says what would go)."""
    if not sys.stdin.isatty():
        raise ConfigError(f"{refusal} Pass --yes to confirm without a prompt.")
    if not typer.confirm(question, default=False):
        raise typer.Abort()
