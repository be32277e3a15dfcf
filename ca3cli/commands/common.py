"""What every command shares: global options, the console, and the project context every step below takes."""

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
    from ca3cli.operations.project import Project

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
    stored: GlobalOptions = ctx.find_root().obj
    return stored


def config_chosen(ctx: typer.Context) -> bool:
    """True when --config or CA3_CONFIG named the file, so a missing one is an error rather than the defaults."""
    source = ctx.find_root().get_parameter_source("config")
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def warn(message: str) -> None:
    """A warning on stderr that does not stop the command."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}")


def config_path(ctx: typer.Context, *, required: bool = False) -> Path:
    """The project's ca3.yaml: --config or CA3_CONFIG as given, else the nearest ca3.yaml in this folder or one above
    it, as git finds .git (said on stderr when it is above); with `required`, no ca3.yaml anywhere is an error rather
    than the defaults, so no CA key or submission lands in a folder that is no project."""
    from ca3cli.edges import lookup

    config = options(ctx).config
    if config_chosen(ctx):
        return config
    here = Path.cwd()
    found = lookup.find_upwards(here, config.name)
    if found is None:
        if required:
            raise ConfigError(f"No {config.name} in {here} or any folder above it, and this command works on a "
                              f"project: run `ca3 init` to make one here, or pass --config PATH.")
        return config
    if found.parent != here:
        err_console.print(f"Using the project in {escape(str(found.parent))} ({config.name} found above this folder).")
    return found if found.parent != here else config


def load_settings(ctx: typer.Context, config: Path | None = None) -> Settings:
    """Settings from the chosen ca3.yaml and CA3_* variables (`--context` wins over both), with the app images'
    content tags."""
    from ca3cli.core import (
        settings as settings_module,  # pydantic and the grammars load only for commands that need them
    )
    from ca3cli.operations import build

    opts = options(ctx)
    loaded = settings_module.load(config or config_path(ctx), explicit=config_chosen(ctx), context=opts.context,
                                  warn=warn)
    return build.with_content_tags(loaded)


def project(ctx: typer.Context, *, required: bool = False) -> Project:
    """The project context a command builds once and hands to every step: ca3.yaml, its settings and folders. Its
    renders keep their compiled templates and parsed manifests in the user's cache folder
    (ca3cli/edges/template_cache.py, ca3cli/edges/documents_cache.py)."""
    from ca3cli.core import render
    from ca3cli.edges import documents_cache, template_cache
    from ca3cli.operations.project import Project

    template_cache.attach(render.environment())
    documents_cache.attach(render.documents())
    config = config_path(ctx, required=required)
    return Project(config, load_settings(ctx, config))


def confirm(question: str, refusal: str) -> None:
    """Ask before deleting; without a terminal to ask on, insist on --yes (`refusal` says what would go)."""
    if not sys.stdin.isatty():
        raise ConfigError(f"{refusal} Pass --yes to confirm without a prompt.")
    if not typer.confirm(question, default=False):
        raise typer.Abort()
