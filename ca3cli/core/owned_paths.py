"""The grammar of a path inside a folder ca3 owns, and the record of the files a render wrote.

A path ca3 writes or removes below its folder is relative, normalised and plain: no `..`, no `.`, no empty part, no
backslash or control character. The record (`k8s/.ca3-rendered`) is committed with k8s/, so a hostile commit can
write anything into it: each entry is checked against that grammar and carries the SHA-256 of the bytes ca3 wrote,
so a stale-file cleanup removes only a file whose content is still exactly what ca3 put there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath

MAX_PATH = 4096
DIGEST = re.compile(r"[0-9a-f]{64}")
SEPARATOR = "  "  # as sha256sum prints it, so `sha256sum -c .ca3-rendered` checks the folder by hand
UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def problem(path: str) -> str | None:
    """Why `path` is not a plain relative path inside a folder (completing "the path ..."), or None when it is."""
    if not path:
        return "is empty"
    if len(path) > MAX_PATH:
        return f"is longer than {MAX_PATH} characters"
    if UNSAFE.search(path):
        return "holds a backslash or a control character"
    if path.startswith("/"):
        return "is absolute"
    parts = path.split("/")
    if ".." in parts:
        return "goes up with `..`"
    if any(part in ("", ".") for part in parts):
        return "is not normalised (an empty part or `.`)"
    return None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Record:
    """The files an earlier render wrote (path -> SHA-256 of what it wrote, None in the record of a ca3 from before
    the hashes), and the entries refused, each naming the line and why."""

    entries: dict[str, str | None] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def parse(text: str, name: str) -> Record:
    """Every line of the record `name`: `<sha256>  <path>`, or a bare path as earlier versions wrote it; a path
    outside the grammar is refused, never acted on."""
    record = Record()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        hexdigest, separator, path = line.partition(SEPARATOR)
        hashed = bool(separator) and DIGEST.fullmatch(hexdigest) is not None
        path = path if hashed else line
        why = problem(path)
        if why is not None:
            record.refused.append(f"{name} line {number} names {path!r}, which {why}")
            continue
        record.entries[path] = hexdigest if hashed else None
    return record


def text(entries: Mapping[str, str]) -> str:
    """The record of `entries` (path -> SHA-256), sorted by path."""
    return "".join(f"{entries[path]}{SEPARATOR}{path}\n" for path in sorted(entries))


def stale(previous: Mapping[str, str | None], current: Iterable[str]) -> list[str]:
    """Files recorded by the previous render that this one does not write, in order."""
    return sorted(set(previous) - set(current))


def relative(path: str | PurePath) -> PurePosixPath:
    """`path` as a PurePosixPath once it passes `problem`; ValueError with the reason otherwise."""
    text_form = str(path)
    why = problem(text_form)
    if why is not None:
        raise ValueError(f"the path {text_form!r} {why}")
    return PurePosixPath(text_form)
