"""Read what docker builds an app image from: the shared apps/.dockerignore, apps/common and apps/<app>.

The other app's folder is in the same context but neither Dockerfile copies it, so a change there leaves this
app's tag alone. Symlinks count as their target's text, never followed: the digest describes the tree as it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ca3cli.core.imagetag import ignored

SHARED = (".dockerignore", "common")


def files(apps_dir: Path, app: str) -> Iterator[tuple[str, bytes]]:
    """(path under apps/, content) of every file of `app`'s image context, build droppings left out."""
    for name in (*SHARED, app):
        top = apps_dir / name
        if top.is_symlink() or top.is_file():
            yield _entry(apps_dir, top)
            continue
        for folder, dirnames, filenames in os.walk(top):  # never into a symlinked folder: it is listed as a link
            dirnames[:] = [d for d in dirnames if not ignored((d,))]
            links = [d for d in dirnames if Path(folder, d).is_symlink()]
            for filename in (*filenames, *links):
                path = Path(folder, filename)
                if not ignored(path.relative_to(apps_dir).parts):
                    yield _entry(apps_dir, path)


def _entry(apps_dir: Path, path: Path) -> tuple[str, bytes]:
    relative = path.relative_to(apps_dir).as_posix()
    if path.is_symlink():
        return relative, b"symlink:" + os.readlink(path).encode()
    return relative, path.read_bytes()
