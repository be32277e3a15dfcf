"""`ca3 evidence`: save the seed's screenshots (dashboard, Prometheus targets, Grafana Explore logs) into outputs/."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ca3cli.commands.common import console, err_console, project


def evidence(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder the PNG files are written to [default: "
                                    "outputs/ beside ca3.yaml]."),
    wait: float = typer.Option(300.0, "--wait", min=0, max=3600, metavar="SECONDS",
                               help="How long to wait for the panels and log searches to show data."),
) -> None:
    """Save the `CA3 Pipeline Metrics` dashboard, Prometheus's targets page and Grafana Explore with the seed's log
    searches, taken by a headless Chromium once each shows data."""
    from ca3cli.operations import evidence as core

    here = project(ctx)
    folder = out or here.outputs
    with err_console.status("Waiting for data, then browsing Grafana and Prometheus...") as status:
        written = core.capture(here.kubectl(), here.settings, folder, wait, lambda text: status.update(escape(text)))
    for path in written:
        console.print(f"saved {escape(str(path))}")
