"""`ca3 cluster create|delete`: the local cluster `ca3 up` makes (kind, k3d or minikube), on its own."""

from __future__ import annotations

import typer

from ca3cli.commands.common import confirm, console, load_settings
from ca3cli.commands.flags import Command, Group, flag
from ca3cli.commands.screens import StepPrinter

app = typer.Typer(help="Create or delete the local cluster `ca3 up` deploys to (kind, k3d or minikube).",
                  no_args_is_help=True, cls=Group)

FLAVOUR_HELP = "kind, k3d or minikube (default: `cluster.flavour` from ca3.yaml)."


def _flavour(ctx: typer.Context, flavour: str) -> str:
    from ca3cli.operations import localcluster

    return localcluster.check_flavour(flavour or load_settings(ctx).cluster.flavour)


@app.command(cls=Command)
def create(ctx: typer.Context,
           flavour: str = typer.Option("", "--flavour", metavar="kind|k3d|minikube", help=FLAVOUR_HELP)) -> None:
    """Create cluster `ca3` with Grafana's NodePort, a policy-enforcing CNI, metrics-server and storage."""
    from ca3cli.operations import localcluster
    from ca3cli.operations import up as core

    chosen, again = _flavour(ctx, flavour), "`ca3 cluster create`"
    core.check_engine(chosen, again)
    context = core.create_cluster(chosen, load_settings(ctx), StepPrinter("cluster"), again)
    console.print(f"[green]Cluster {localcluster.NAME} is ready[/] (kube context {context}). Next: `ca3 up`, or "
                  f"`ca3 --context {context} deploy -m 1`.")


@app.command(cls=Command)
def delete(ctx: typer.Context,
           flavour: str = typer.Option("", "--flavour", metavar="kind|k3d|minikube", help=FLAVOUR_HELP),
           yes: bool = flag("--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Delete cluster `ca3` and its data."""
    from ca3cli.operations import localcluster
    from ca3cli.operations import up as core

    chosen = _flavour(ctx, flavour)
    if not yes:
        what = f"the {chosen} cluster {localcluster.NAME} and everything in it, volumes included"
        confirm(f"Delete {what}?", f"`ca3 cluster delete` would delete {what}.")
    core.delete_cluster(chosen, StepPrinter("cluster"), "`ca3 cluster delete`")
    console.print(f"[green]Deleted[/] the {chosen} cluster {localcluster.NAME}.")
