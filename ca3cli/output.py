"""Write rendered manifests to disk: ordinary objects under --out, Secrets only into the git-ignored secrets folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ca3cli.render import Manifest


@dataclass
class Written:
    """What a render wrote, and which Secret files it left out."""

    manifests: list[Path] = field(default_factory=list)
    secrets: list[Path] = field(default_factory=list)
    skipped_secrets: list[str] = field(default_factory=list)


def _write_private(path: Path, text: str) -> None:
    """A Secret manifest: folder 0700, file 0600 from the moment it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def write(manifests: Iterable[Manifest], out: Path, secrets_out: Path | None) -> Written:
    """Write each manifest to out/<folder>/<file>; a file holding a Secret goes to secrets_out, or nowhere if None."""
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
    return written
