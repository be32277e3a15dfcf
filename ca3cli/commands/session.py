"""What the cluster commands (deploy, destroy, status) share: a kubectl for the settings, and printing preflight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from ca3cli.commands.common import console
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.runlog import RunLog
from ca3cli.operations.preflight import Check

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

MARKS = {"ok": "[green]ok[/]", "warn": "[yellow]warning[/]", "fail": "[red]failed[/]"}


def kubectl_for(settings: Settings, log: RunLog | None = None, context: str | None = None) -> Kubectl:
    """kubectl bound to `context`, else the settings' one (empty: kubectl's current one), and the namespace; calls
    go to `log`."""
    chosen = settings.cluster.context if context is None else context
    return Kubectl(context=chosen or None, namespace=settings.namespace,
                   on_result=log.record if log else None)


def report_checks(checks: list[Check], out: Console = console) -> None:
    """One line per preflight check; warnings carry their fix."""
    for check in checks:
        out.print(f"{MARKS[check.status]} {check.name}: {escape(check.message)}")
