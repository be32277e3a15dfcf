"""`ca3 open grafana|prometheus|loki`: port-forward to the service and print its URL until Ctrl-C."""

from __future__ import annotations

from time import sleep

import typer
from rich.markup import escape

from ca3cli.commands.common import console, project
from ca3cli.core.errors import ConfigError

# the page worth opening, and what to say about it ({secret}: the component's Secret, as rendered)
PAGES = {
    "grafana": ("/", "log in as the admin from Secret {secret}"),  # the admin-password one
    "prometheus": ("/targets", "Status > Targets shows what is scraped"),
    "loki": ("/ready", "Loki has no UI; query it from Grafana Explore"),
}


def open_(
    ctx: typer.Context,
    target: str = typer.Argument("", metavar="SERVICE", show_default=False, help="grafana, prometheus or loki."),
) -> None:
    """Forward a local port to the service and print the URL; Ctrl-C stops forwarding."""
    from ca3cli.edges.portforward import forward
    from ca3cli.operations import preflight, services

    if target not in PAGES:
        raise ConfigError(f"ca3 open {'cannot open ' + target if target else 'needs a service'}; run `ca3 open "
                          "grafana`, `ca3 open prometheus` or `ca3 open loki`.")
    here = project(ctx)
    settings = here.settings
    component = {"grafana": services.GRAFANA, "prometheus": services.PROMETHEUS,
                 "loki": services.LOKI}[target]  # the component whose Service is forwarded
    page, hint = PAGES[target]
    kubectl = here.kubectl()
    preflight.reachable(kubectl)
    deployed = services.deployed(kubectl, settings)
    if "{secret}" in hint:
        hint = hint.format(secret=deployed.secret(component, "admin-password").name)
    with forward(kubectl, *services.target(deployed, component)) as forwarded:
        console.print(f"{target}: [bold]{escape(forwarded.url(page))}[/] ({escape(hint)}). Ctrl-C to stop.")
        try:
            while True:
                sleep(1)
        except KeyboardInterrupt:
            console.print("Stopped forwarding.")
