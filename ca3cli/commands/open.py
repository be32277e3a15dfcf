"""`ca3 open grafana|prometheus|loki`: port-forward to the service and print its URL until Ctrl-C."""

from __future__ import annotations

from enum import StrEnum
from time import sleep

import typer
from rich.markup import escape

from ca3cli.commands.common import console, project


class Target(StrEnum):
    grafana = "grafana"
    prometheus = "prometheus"
    loki = "loki"


# the page worth opening, and what to say about it ({secret}: the component's Secret, as rendered)
PAGES = {
    Target.grafana: ("/", "log in as the admin from Secret {secret}"),  # the admin-password one
    Target.prometheus: ("/targets", "Status > Targets shows what is scraped"),
    Target.loki: ("/ready", "Loki has no UI; query it from Grafana Explore"),
}


def open_(
    ctx: typer.Context,
    target: Target = typer.Argument(..., help="Which service to open."),
) -> None:
    """Forward a local port to the service and print the URL; Ctrl-C stops forwarding."""
    from ca3cli.edges.portforward import forward
    from ca3cli.operations import preflight, services

    here = project(ctx)
    settings = here.settings
    component = {Target.grafana: services.GRAFANA, Target.prometheus: services.PROMETHEUS,
                 Target.loki: services.LOKI}[target]  # the component whose Service is forwarded
    page, hint = PAGES[target]
    kubectl = here.kubectl()
    preflight.reachable(kubectl)
    deployed = services.deployed(kubectl, settings)
    if "{secret}" in hint:
        hint = hint.format(secret=deployed.secret(component, "admin-password").name)
    with forward(kubectl, *services.target(deployed, component)) as forwarded:
        console.print(f"{target.value}: [bold]{escape(forwarded.url(page))}[/] ({escape(hint)}). Ctrl-C to stop.")
        try:
            while True:
                sleep(1)
        except KeyboardInterrupt:
            console.print("Stopped forwarding.")
