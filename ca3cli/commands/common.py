"""What every command shares: global options, the console, and loading settings and secrets."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from ca3cli.core.errors import ConfigError

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

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


def config_chosen(ctx: typer.Context) -> bool:
    """True when --config or CA3_CONFIG named the file, so a missing one is an error rather than the defaults."""
    source = ctx.find_root().get_parameter_source("config")
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def warn(message: str) -> None:
    """A warning on stderr that does not stop the command."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}")


def load_settings(ctx: typer.Context) -> Settings:
    """Settings from the chosen ca3.yaml and CA3_* variables (`--context` wins over both), with the app images'
    content tags."""
    from ca3cli.core import (
        settings as settings_module,  # pydantic and the grammars load only for commands that need them
    )
    from ca3cli.operations import build

    opts = options(ctx)
    loaded = settings_module.load(opts.config, explicit=config_chosen(ctx), context=opts.context, warn=warn)
    return build.with_content_tags(loaded)


def confirm(question: str, refusal: str) -> None:
    """Ask before deleting; without a terminal to ask on, insist on --yes (`refusal` says what would go)."""
    if not sys.stdin.isatty():
        raise ConfigError(f"{refusal} Pass --yes to confirm without a prompt.")
    if not typer.confirm(question, default=False):
        raise typer.Abort()
