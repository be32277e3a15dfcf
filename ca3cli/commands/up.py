"""`ca3 up -m N`: one command from a fresh checkout to a deployed milestone and Grafana's address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from ca3cli.commands import flags
from ca3cli.commands.common import config_path, console, project
from ca3cli.commands.screens import StepPrinter, execute

if TYPE_CHECKING:
    from ca3cli.core.plan import Plan
    from ca3cli.operations.deploy import Request
    from ca3cli.operations.project import Project


class UpScreen:
    """What `ca3 up` shows (operations/up.py's Screen): sentences, step lines, and deploy's progress and run log."""

    def __init__(self, here: Project) -> None:
        self.here = here

    def say(self, text: str) -> None:
        console.print(escape(text))

    def steps(self, title: str) -> StepPrinter:
        return StepPrinter(title)

    def deploy(self, the_plan: Plan, values: Mapping[str, str], request: Request, context: str) -> None:
        execute(self.here, the_plan, values, request, context=context)


def up(
    ctx: typer.Context,
    milestone: int = flags.milestone(1, help="Deploy everything milestones 1..N need."),
    take_over_labels: bool = flags.flag("--take-over-labels",
                                        help="Own the namespace's Pod Security labels even if another tool set them "
                                             "(as `ca3 deploy --take-over-labels`)."),
) -> None:
    """Init if needed, create a local cluster if no context answers, build and load the images, deploy, show Grafana."""
    from ca3cli.core.settings import Settings
    from ca3cli.operations import init
    from ca3cli.operations import up as core

    config = config_path(ctx)
    if init.needs_init(config):  # as `ca3 init` would: a ca3.yaml already there is kept
        done = init.initialise(config, None if config.is_file() else Settings(), rotate=False)
        for line in init.sentences(done, rotate=False):
            console.print(escape(line))
    here = project(ctx)
    ways = core.up(here, milestone, UpScreen(here), take_over_labels=take_over_labels)
    console.print("Grafana:")
    for way in ways:
        console.print(f"  - {escape(way)}")

