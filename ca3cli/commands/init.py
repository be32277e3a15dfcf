"""`ca3 init`: write a commented ca3.yaml (with its JSON Schema beside it) and generate the secrets (kept on re-runs
unless --rotate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from ca3cli.commands.common import config_path, console, err_console
from ca3cli.commands.flags import flag
from ca3cli.core.errors import ConfigError

if TYPE_CHECKING:  # the settings model (pydantic) loads when init runs, not for `ca3 --help`
    from ca3cli.core.settings import Settings

# What a newcomer is asked with --interactive: (ca3.yaml path, question).
QUESTIONS = (
    ("cluster.flavour", "Cluster flavour (kind, minikube, k3d, docker-desktop, other)"),
    ("namespace", "Namespace"),
    ("cluster.storage_class", "StorageClass (empty: the cluster default)"),
    ("grafana.node_port", "Grafana NodePort (30000-32767)"),
    ("images.registry", "Registry prefix of the app images"),
    ("images.tag", "Tag of the app images"),
)


def _nested(key: tuple[str, ...], value: Any) -> dict[str, Any]:
    return {key[0]: value} if len(key) == 1 else {key[0]: _nested(key[1:], value)}


def _ask(defaults: Settings) -> Settings:
    """Prompt for the settings a newcomer most often changes; each answer is validated like ca3.yaml, and asked
    again until it passes."""
    from ca3cli.core import settings as settings_module
    from ca3cli.core.settings_env import merge
    from ca3cli.core.settings_errors import Origin, Origins

    raw: dict[str, Any] = {}
    for path, question in QUESTIONS:
        key = tuple(path.split("."))
        current: Any = defaults
        for name in key:
            current = getattr(current, name)
        origin = Origins({key: Origin(f"in your answer to {question!r}", "answer again")})
        while True:
            candidate = merge(raw, _nested(key, typer.prompt(question, default=str(current), show_default=True)))
            try:
                settings_module.parse(candidate, origin)
            except ConfigError as exc:
                err_console.print(f"[red]{escape(str(exc))}[/]")
                continue
            raw = candidate
            break
    return settings_module.parse(raw)


def init(
    ctx: typer.Context,
    force: bool = flag("--force", help="Overwrite an existing ca3.yaml."),
    rotate: bool = flag("--rotate", help="Replace generated passwords and tokens (not the Kafka cluster id)."),
    interactive: bool = flag("--interactive", "-i", help="Ask for the main settings instead of using defaults."),
) -> None:
    """Write a commented ca3.yaml and generate strong secrets into .ca3/secrets/ (git-ignored, mode 0600)."""
    from ca3cli.core.settings import Settings
    from ca3cli.operations import init as core

    config = config_path(ctx)
    core.writable(config)
    chosen: Settings | None = None
    if config.exists() and not force:
        if interactive:
            raise ConfigError(f"{config} already exists. "
                              "Edit it, or run `ca3 init --interactive --force` to replace it.")
    else:
        chosen = _ask(Settings()) if interactive else Settings()
    for line in core.sentences(core.initialise(config, chosen, rotate), rotate):
        console.print(escape(line))
