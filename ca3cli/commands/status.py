"""`ca3 status`: the pods, the autoscaler, and how to reach Grafana on this cluster flavour."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.markup import escape
from rich.table import Table

from ca3cli.commands.common import console, project


def _table(title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    table = Table(*headers, title=title, title_justify="left")
    for row in rows:
        table.add_row(*map(escape, row))
    return table


def status(ctx: typer.Context) -> None:
    """Show the pods, the HPA and how to open Grafana."""
    from ca3cli.operations import status as core

    here = project(ctx)
    settings = here.settings
    found = core.collect(here.kubectl(), settings)
    if not found.pods:
        console.print(f"Nothing is running in namespace {settings.namespace}. Deploy it with `ca3 deploy -m 1`.")
        return
    console.print(_table(f"Pods in {settings.namespace}", ("NAME", "READY", "STATUS", "RESTARTS"), found.pods))
    if found.autoscalers:
        headers = ("NAME", "REFERENCE", "CPU NOW/TARGET", "MIN-MAX", "REPLICAS")
        console.print(_table("Horizontal pod autoscalers", headers, found.autoscalers))
    if found.grafana:
        console.print("Grafana:")
        for way in found.grafana:
            console.print(f"  - {escape(way)}")
