"""`ca3 build`: build the producer and processor images with the tags the manifests use; load or push them."""

from __future__ import annotations

import typer
from rich.markup import escape

from ca3cli.commands.common import console, load_settings
from ca3cli.commands.flags import flag


def build(
    ctx: typer.Context,
    load: str = typer.Option("", "--load", metavar="kind|minikube|k3d",
                             help="Copy the images into a local cluster's nodes after building."),
    push: bool = flag("--push", help="Push the images to `images.registry` after building."),
) -> None:
    """Build apps/producer and apps/processor as <images.registry>/<app>:<images.tag>."""
    from ca3cli.operations import build as core

    settings = load_settings(ctx)
    for step in core.steps(settings, load=load, push=push):
        console.print(f"[bold]{escape(step.description)}[/]: {escape(' '.join(step.argv))}")
        core.run(step)
    images = ", ".join(settings.image(app) for app in core.APPS)
    console.print(f"[green]Built[/] {images}.")
