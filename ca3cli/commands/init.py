"""`ca3 init`: write a commented ca3.yaml and generate the secrets (kept on re-runs unless --rotate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ca3cli import config_file, secrets
from ca3cli import settings as settings_module
from ca3cli.commands.common import console, options
from ca3cli.errors import ConfigError
from ca3cli.settings import Settings

# What a newcomer is asked with --interactive: (ca3.yaml path, question).
QUESTIONS = (
    ("cluster.flavour", "Cluster flavour (kind, minikube, k3d, docker-desktop, other)"),
    ("namespace", "Namespace"),
    ("cluster.storage_class", "StorageClass (empty: the cluster default)"),
    ("grafana.node_port", "Grafana NodePort (30000-32767)"),
    ("images.registry", "Registry prefix of the app images"),
    ("images.tag", "Tag of the app images"),
)


def _ask(defaults: Settings) -> Settings:
    """Prompt for the settings a newcomer most often changes; the answers are validated like ca3.yaml."""
    raw: dict[str, Any] = {}
    for path, question in QUESTIONS:
        section, _, key = path.rpartition(".")
        current = getattr(getattr(defaults, section) if section else defaults, key)
        answer = typer.prompt(question, default=str(current), show_default=True)
        (raw.setdefault(section, {}) if section else raw)[key] = answer
    return settings_module.parse(raw)


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing ca3.yaml."),
    rotate: bool = typer.Option(False, "--rotate", help="Replace generated passwords and tokens (not the Kafka cluster id)."),
    interactive: bool = typer.Option(False, "--interactive", "-i", help="Ask for the main settings instead of using defaults."),
) -> None:
    """Write a commented ca3.yaml and generate strong secrets into .ca3/secrets/ (git-ignored, mode 0600)."""
    config: Path = options(ctx).config
    if config.exists() and not force:
        if interactive:
            raise ConfigError(f"{config} already exists. Edit it, or run `ca3 init --interactive --force` to replace it.")
        console.print(f"Kept {config} (use --force to rewrite it with defaults).")
    else:
        chosen = _ask(Settings()) if interactive else Settings()
        config.write_text(config_file.render(chosen))
        console.print(f"Wrote {config}.")
    folder = secrets.folder_for(config)
    created, kept = secrets.ensure(folder, rotate=rotate)
    console.print(f"Secrets in {folder}: {len(created)} generated, {len(kept)} kept (values are never printed).")
    if rotate and created:
        console.print(
            "InfluxDB and Grafana read their admin credentials only on first start with an empty volume: "
            "run `ca3 destroy --delete-data` then `ca3 deploy` for rotated values to take effect."
        )
