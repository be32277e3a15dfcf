"""`ca3 evidence`: save the seed's screenshots (dashboard, Prometheus targets, Grafana Explore logs) into outputs/."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ca3cli.commands.common import console, err_console, project


def evidence(
    ctx: typer.Context,
    out: Path = typer.Option(Path("outputs"), "--out", "-o", help="Folder the PNG files are written to."),
) -> None:
    """Save the `CA3 Pipeline Metrics` dashboard (Grafana's image renderer), Prometheus's targets page and Grafana
    Explore with the seed's log queries (a headless Chromium)."""
    from ca3cli.operations import evidence as core

    here = project(ctx)
    settings = here.settings
    with err_console.status("Rendering the dashboard and browsing Prometheus and Grafana (this takes a while)..."):
        written = core.capture(here.kubectl(), settings, out)
    for path in written:
        console.print(f"saved {escape(str(path))}")
