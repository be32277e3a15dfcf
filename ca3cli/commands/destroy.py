"""`ca3 destroy`: remove what ca3 deployed (cluster-scoped objects too); data volumes only with --delete-data."""

from __future__ import annotations

import typer
from rich.markup import escape

from ca3cli.commands.common import confirm, console, project
from ca3cli.commands.flags import flag
from ca3cli.core.errors import Ca3Error


def _confirm(namespace: str, delete_data: bool) -> None:
    what = f"the whole namespace {namespace} including its data volumes" if delete_data else \
        f"everything ca3 deployed in {namespace} (data volumes are kept)"
    confirm(f"Delete {what}, plus ca3's cluster-wide RBAC objects?", f"`ca3 destroy` would delete {what}.")


def destroy(
    ctx: typer.Context,
    delete_data: bool = flag("--delete-data", help="Also delete the namespace and its volumes."),
    yes: bool = flag("--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete everything ca3 deployed; keeps the PersistentVolumeClaims unless --delete-data."""
    from ca3cli.edges.runlog import RunLog
    from ca3cli.operations import preflight, prune

    here = project(ctx)
    settings = here.settings
    if not yes:
        _confirm(settings.namespace, delete_data)
    log = RunLog("destroy", (), here.run_logs)
    log.line(f"ca3 destroy namespace={settings.namespace} delete_data={delete_data}")
    kubectl = here.kubectl(log)
    try:
        preflight.reachable(kubectl)
        kept = prune.destroy(kubectl, settings.namespace, delete_data)
    except Ca3Error as exc:
        log.line(f"FAILED: {exc}")
        console.print(f"Run log: {log.path}")
        raise
    for line in prune.kept_lines(kept, settings.namespace):
        console.print(escape(line))
        log.line(line)
    console.print(f"[green]Destroyed[/] what ca3 deployed in {settings.namespace}. Run log: {log.path}")
    log.line("OK")
