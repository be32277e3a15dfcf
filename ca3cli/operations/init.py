"""`ca3 init` below the CLI: write ca3.yaml (unless kept), its JSON Schema, the .gitignore entries and the generated
secrets; `ca3 up` runs the same steps on a fresh checkout. The command layer asks the questions and prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core.errors import ConfigError
from ca3cli.edges import config_file, files, gitignore, secrets

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings


@dataclass(frozen=True)
class Initialised:
    """What `ca3 init` wrote and kept, for the command to say."""

    config: Path
    wrote_config: bool
    schema: Path
    gitignore_added: tuple[str, ...]
    secrets_folder: Path
    created: tuple[str, ...]
    kept: tuple[str, ...]
    repaired: tuple[tuple[str, str], ...] = ()  # (secret, what was wrong with its file) generated again


def writable(config: Path) -> None:
    """Refuse a --config that cannot become a file, with a sentence instead of an OSError."""
    if config.is_dir():
        raise ConfigError(f"{config} is a directory. Pass the path of a ca3.yaml file to --config.")
    if not config.parent.is_dir():
        raise ConfigError(f"The folder {config.parent} does not exist. Create it, or pass another --config.")


def initialise(config: Path, chosen: Settings | None, rotate: bool) -> Initialised:
    """Write `chosen` as ca3.yaml (None: keep the file there), refresh the schema beside it, add the .gitignore
    entries before the first secret exists (so no `git add -A` can commit one), then make the missing secrets."""
    writable(config)
    if chosen is not None:
        files.write(config.parent, config.name, config_file.render(chosen))
    # refreshed on every run, so it matches the installed ca3
    schema = files.write(config.parent, config_file.SCHEMA_NAME, config_file.shipped_schema())
    added = gitignore.ensure(config.parent)
    folder = secrets.folder_for(config)
    ensured = secrets.ensure(folder, rotate=rotate)
    return Initialised(config, chosen is not None, schema, tuple(added), folder, tuple(ensured.created),
                       tuple(ensured.kept), tuple(ensured.repaired.items()))


def needs_init(config: Path) -> bool:
    """Whether `ca3 init` still has to write ca3.yaml or one of the generated secrets."""
    folder = secrets.folder_for(config)
    return not config.is_file() or any(not (folder / spec.name).is_file() for spec in secrets.SPECS)


def sentences(done: Initialised, rotate: bool) -> list[str]:
    """What the command says about it, in order (values are never printed)."""
    lines = [f"Wrote {done.config}." if done.wrote_config
             else f"Kept {done.config} (use --force to rewrite it with defaults).",
             f"Wrote {done.schema} (editors check ca3.yaml against it)."]
    if done.gitignore_added:
        lines.append(f"Added {len(done.gitignore_added)} entries to {done.config.parent / '.gitignore'} "
                     "(.ca3/, secrets, keys).")
    lines += [f"Generated {done.secrets_folder / name} again: the file was {damage} (a crash or a full disk can leave "
              "one)." for name, damage in done.repaired]
    lines.append(f"Secrets in {done.secrets_folder}: {len(done.created)} generated, {len(done.kept)} kept "
                 "(values are never printed).")
    if rotate and done.created:
        lines.append("InfluxDB and Grafana read their admin credentials only on first start with an empty volume: "
                     "run `ca3 destroy --delete-data` then `ca3 deploy` for rotated values to take effect.")
    return lines
