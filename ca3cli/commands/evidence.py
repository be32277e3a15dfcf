"""`ca3 evidence`: save the seed's Grafana screenshots (dashboard, error log search) into outputs/."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ca3cli.commands.common import console, err_console, load_settings


def evidence(
    ctx: typer.Context,
    out: Path = typer.Option(Path("outputs"), "--out", "-o", help="Folder the PNG files are written to."),
) -> None:
    """Render the `CA3 Pipeline Metrics` dashboard and the error log panel with Grafana's image renderer."""
    from ca3cli import evidence as core
    from ca3cli.commands.session import kubectl_for

    settings = load_settings(ctx)
    with err_console.status("Rendering through Grafana's image renderer (this takes a while)..."):
        written = core.capture(kubectl_for(settings), settings, out)
    for path in written:
        console.print(f"saved {escape(str(path))}")
