"""Find the project a command runs in, the way git finds `.git`: the nearest folder, this one or above, that holds
the file."""

from __future__ import annotations

from pathlib import Path


def find_upwards(start: Path, name: str) -> Path | None:
    """`<folder>/<name>` for the nearest of `start` and its parents holding a regular file of that name, else None."""
    for folder in (start, *start.parents):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
