"""`ca3 up -m N`: one command from a fresh checkout to a deployed milestone and Grafana's address."""

from __future__ import annotations

import typer
from rich.markup import escape

from ca3cli.commands.common import console, load_settings, options
from ca3cli.commands.flags import flag


def up(
    ctx: typer.Context,
    milestone: int = typer.Option(1, "--milestone", "-m", help="Deploy everything milestones 1..N need."),
    take_over_labels: bool = flag("--take-over-labels",
                                  help="Own the namespace's Pod Security labels even if another tool set them "
                                       "(as `ca3 deploy --take-over-labels`)."),
) -> None:
    """Init if needed, create a local cluster if no context answers, build and load the images, deploy, show Grafana."""
    from ca3cli.commands import deploy, init
    from ca3cli.commands.certs import tls_values
    from ca3cli.commands.cluster import StepPrinter
    from ca3cli.commands.session import kubectl_for
    from ca3cli.core import registry
    from ca3cli.core.topology import Topology
    from ca3cli.edges import secrets
    from ca3cli.operations import deploy as deploy_core
    from ca3cli.operations import localcluster, services
    from ca3cli.operations import status as status_core
    from ca3cli.operations import up as core
    from ca3cli.operations.certs import store
    from ca3cli.operations.certs.names import needed

    config = options(ctx).config
    if core.needs_init(config):
        init.init(ctx, force=False, rotate=False, interactive=False)
    settings = load_settings(ctx)
    if needed(settings, registry.features(settings, registry.check_milestone(milestone))):
        store.ensure(store.folder_for(config), settings)  # like init: make what is missing, keep the rest
    values = {**secrets.load(secrets.folder_for(config)), **tls_values(ctx, settings, milestone, keys=True)}
    the_plan = deploy_core.prepare(settings, values, milestone)  # a settings mistake stops before any slow step
    target = core.find_target(kubectl_for(settings), settings.cluster.flavour)
    if target.create:
        console.print(f"No cluster answers: creating the local {settings.cluster.flavour} cluster "
                      f"{localcluster.NAME} (a few minutes the first time).")
        core.create_cluster(settings.cluster.flavour, settings, StepPrinter("cluster"), core.AGAIN_UP)
    else:
        console.print(f"Using the cluster of kube context {escape(target.context)}.")
    core.build_and_load(settings, target.context, StepPrinter("images"))
    deploy.execute(settings, the_plan, values, deploy_core.Request(milestone, take_over_labels=take_over_labels),
                   context=target.context)
    console.print("Grafana:")
    grafana = Topology.of_manifests(the_plan.manifests).service(services.GRAFANA)
    for way in status_core.grafana_access(settings, grafana, context=target.context):
        console.print(f"  - {escape(way)}")
