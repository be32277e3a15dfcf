"""Write rendered manifests to disk: ordinary objects under --out, Secrets only into the git-ignored secrets folder.

A render records the files it wrote in `<out>/.ca3-rendered`; the next render removes those it no longer renders (a
lower milestone, a component switched off), and never a file it did not write.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ca3cli.core.errors import ConfigError
from ca3cli.core.render import Manifest

RECORD = ".ca3-rendered"


@dataclass
class Written:
    """What a render wrote, and which Secret files it left out."""

    manifests: list[Path] = field(default_factory=list)
    secrets: list[Path] = field(default_factory=list)
    skipped_secrets: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # files an earlier render wrote that are no longer rendered


def _write_private(path: Path, text: str) -> None:
    """A Secret manifest: folder 0700, file 0600 from the moment it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def check_folder(out: Path) -> None:
    """`out` must be a folder that can be written, or a path where one can be made; else a ConfigError (exit 2)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder. Choose a folder for the manifests, e.g. --out k8s.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create --out {out} ({exc.strerror}). Choose a folder you can write to.") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(f"Cannot write into --out {out} (permission denied). Choose a folder you can write to.")


def stale(previous: Iterable[str], current: Iterable[str]) -> list[str]:
    """Files recorded by the previous render that this one does not write, in order."""
    return sorted(set(previous) - set(current))


def _remove_stale(out: Path, written: list[Path]) -> list[Path]:
    """Delete what the previous render recorded and this one did not write; record what this one wrote."""
    record = out / RECORD
    previous = record.read_text().splitlines() if record.is_file() else []
    current = [str(path.relative_to(out)) for path in written]
    removed = []
    for name in stale(previous, current):
        path = out / name
        if ".." not in Path(name).parts and path.is_file():
            path.unlink()
            removed.append(path)
            if path.parent != out and not any(path.parent.iterdir()):
                path.parent.rmdir()
    record.write_text("".join(f"{name}\n" for name in sorted(current)))
    return removed


def write(manifests: Iterable[Manifest], out: Path, secrets_out: Path | None) -> Written:
    """Write each manifest to out/<folder>/<file>; a file holding a Secret goes to secrets_out, or nowhere if None."""
    check_folder(out)
    written = Written()
    for manifest in manifests:
        if manifest.is_secret:
            if secrets_out is None:
                written.skipped_secrets.append(str(manifest.path))
                continue
            target = secrets_out / manifest.path
            _write_private(target, manifest.text)
            written.secrets.append(target)
            continue
        target = out / manifest.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(manifest.text)
        written.manifests.append(target)
    written.removed = _remove_stale(out, written.manifests)
    return written
