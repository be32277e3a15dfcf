"""What every command shares: global options, the console, and loading settings and secrets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from ca3cli import settings as settings_module
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


def config_chosen(ctx: typer.Context) -> bool:
    """True when --config or CA3_CONFIG named the file, so a missing one is an error rather than the defaults."""
    source = ctx.find_root().get_parameter_source("config")
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def warn(message: str) -> None:
    """A warning on stderr that does not stop the command."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}")


def load_settings(ctx: typer.Context) -> Settings:
    """Settings from the chosen ca3.yaml and CA3_* variables; `--context` wins over both."""
    opts = options(ctx)
    return settings_module.load(opts.config, explicit=config_chosen(ctx), context=opts.context, warn=warn)
