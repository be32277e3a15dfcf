"""How ca3's options look in --help: boolean options as bare flags (typer 0.29's rich help prints `<bool>` after an
option unless its metavar is empty, which reads as if the option took a value), the milestone option with its range
from the milestone table, and --help itself as a flag."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from ca3cli.core import registry

if TYPE_CHECKING:
    # typer 0.29 vendors click: these take that click's Context (typer.Context's base class).
    from typer._click import Context as ClickContext
    from typer._click.core import Parameter


def flag(*names: str, help: str, **extra: Any) -> Any:
    """A `--name` option that is off unless given, shown in --help without a value placeholder."""
    return typer.Option(False, *names, help=help, metavar="", **extra)


def milestone(default: Any, help: str) -> Any:
    """`--milestone/-m N`, shown with the milestones it takes (1-9, from the registry's table)."""
    return typer.Option(default, "--milestone", "-m", help=help, metavar=f"1-{registry.HIGHEST}")


def _as_flags(params: list[Parameter]) -> list[Parameter]:
    """Every on/off option (--help, typer's completion options) shown without a value placeholder."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A ca3 command: its on/off options, --help included, shown as flags."""

    def get_params(self, ctx: ClickContext) -> list[Parameter]:
        return _as_flags(super().get_params(ctx))


class Group(TyperGroup):
    """ca3 and its command groups: their on/off options, --help included, shown as flags."""

    def get_params(self, ctx: ClickContext) -> list[Parameter]:
        return _as_flags(super().get_params(ctx))
