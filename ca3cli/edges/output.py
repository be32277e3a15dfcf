"""Write rendered manifests to disk: ordinary objects under --out, Secrets only into the git-ignored secrets folder.

A file that already holds what a render makes is left as it is (not rewritten, its time kept). A render records the
files it wrote, with the SHA-256 of each, in `<out>/.ca3-rendered`; the next render removes those it no longer
renders (a lower milestone, a component switched off). k8s/ is committed, so the record may come from anyone: a file
is removed only when its entry is a plain path inside --out naming a regular file whose content still has the
recorded hash. An entry outside that grammar, or one reaching a link, a folder or anything but a file, stops the
render before it writes anything; a stale file that changed (or that a record from before the hashes names) is left
in place and said.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ca3cli.core import owned_paths
from ca3cli.core.errors import ConfigError, FileError
from ca3cli.core.render import Manifest
from ca3cli.edges import files

RECORD = ".ca3-rendered"


@dataclass(frozen=True)
class Extra:
    """A file a render writes beside the manifests (the seed's TLS scripts and templates), with its mode."""

    path: PurePosixPath
    data: bytes
    mode: int = files.PUBLIC_FILE


@dataclass
class Written:
    """What a render wrote, which Secret files it left out, and what it removed or refused to remove."""

    manifests: list[Path] = field(default_factory=list)
    extras: list[Path] = field(default_factory=list)
    secrets: list[Path] = field(default_factory=list)
    skipped_secrets: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # files an earlier render wrote that are no longer rendered
    left: list[str] = field(default_factory=list)  # sentences: stale files changed since, left in place
    unchanged: list[Path] = field(default_factory=list)  # of the above, files that already held their text


def check_folder(out: Path) -> None:
    """`out` must be a real folder that can be written, or a path where one can be made; else exit 2."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder. Choose a folder for the manifests, e.g. --out k8s.")
    files.folder(out)
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(f"Cannot write into --out {out} (permission denied). Choose a folder you can write to.")


def _previous(out: Path) -> owned_paths.Record:
    data = files.read(out, RECORD)
    if data is None:
        return owned_paths.Record()
    try:
        return owned_paths.parse(data.decode("utf-8"), str(out / RECORD))
    except UnicodeDecodeError:
        return owned_paths.Record(refused=[f"{out / RECORD} is not UTF-8 text"])


def _refuse(record: Path, problems: list[str]) -> FileError:
    return FileError(f"ca3 will not act on the record of rendered files because {'; '.join(problems)}: remove those "
                     f"lines from {record} (or the whole file, which the next render writes again), then run the "
                     "command again.")


def _stale(out: Path, previous: owned_paths.Record, current: dict[str, str]) -> tuple[list[str], list[str]]:
    """The stale files to remove (still exactly what ca3 wrote) and the sentences about those left alone; a stale
    entry that reaches a link, a folder or anything but a file is refused before anything is written."""
    if previous.refused:
        raise _refuse(out / RECORD, previous.refused)
    remove, left, refused = [], [], []
    for name in owned_paths.stale(previous.entries, current):
        found = files.look(out, name)
        if found.kind == "file" and found.sha256 == previous.entries[name]:
            remove.append(name)
        elif found.kind == "file" and previous.entries[name] is None:
            left.append(f"Left {out / name} in place: the record of an earlier ca3 names it without the hash that "
                        "shows ca3 wrote it, and the current milestones no longer render it (delete it yourself if "
                        "it is stale).")
        elif found.kind == "file":
            left.append(f"Left {out / name} in place: it changed since ca3 wrote it, and the current milestones no "
                        "longer render it (delete it yourself if it is stale).")
        elif found.where is not None:
            refused.append(f"the entry {name!r} goes through {found.where}, a {found.kind}")
        elif found.kind != "missing":
            refused.append(f"the entry {name!r} names a {found.kind}, not a file ca3 wrote")
    if refused:
        raise _refuse(out / RECORD, refused)
    return remove, left


def write(manifests: Iterable[Manifest], out: Path, secrets_out: Path | None,
          extras: Sequence[Extra] = ()) -> Written:
    """Write each manifest to out/<folder>/<file> (a file holding a Secret goes to secrets_out, or nowhere if None)
    and each extra file, remove the stale files of the previous render, and record what this one wrote. A bad record
    is refused before anything is written."""
    check_folder(out)
    chosen = list(manifests)
    current = {str(m.path): owned_paths.digest(m.text.encode("utf-8")) for m in chosen if not m.is_secret}
    current.update({str(extra.path): owned_paths.digest(extra.data) for extra in extras})
    stale, left = _stale(out, _previous(out), current)
    written = Written(left=left)
    if secrets_out is not None and any(m.is_secret for m in chosen):
        files.private_folder(secrets_out)
    for manifest in chosen:
        if not manifest.is_secret:
            written.manifests.append(_update(written, out, manifest.path, manifest.text))
        elif secrets_out is None:
            written.skipped_secrets.append(str(manifest.path))
        else:
            written.secrets.append(_update(written, secrets_out, manifest.path, manifest.text,
                                           mode=files.PRIVATE_FILE, folder_mode=files.PRIVATE_FOLDER))
    written.extras = [_update(written, out, extra.path, extra.data, mode=extra.mode) for extra in extras]
    for name in stale:
        written.removed += files.remove(out, name)[:1]  # the file; folders it leaves empty inside out go too
    files.update(out, RECORD, owned_paths.text(current))
    return written


def _update(written: Written, root: Path, relative: PurePosixPath, data: str | bytes, *, mode: int = files.PUBLIC_FILE,
            folder_mode: int | None = None) -> Path:
    """root/relative written unless it already holds `data` (then counted as unchanged): a render that makes the same
    manifests again neither rewrites nor syncs them, and their times stay."""
    if not files.update(root, relative, data, mode=mode, folder_mode=folder_mode):
        written.unchanged.append(root / relative)
    return root / relative
