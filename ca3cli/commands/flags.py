"""Boolean options shown as flags: typer 0.29's rich help prints `<bool>` after an option unless its metavar is empty,
which reads as if the option took a value."""

from __future__ import annotations

from typing import Any

import typer


def flag(*names: str, help: str, **extra: Any) -> Any:
    """A `--name` option that is off unless given, shown in --help without a value placeholder."""
    return typer.Option(False, *names, help=help, metavar="", **extra)
