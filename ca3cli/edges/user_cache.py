"""ca3's folder in the user's cache ($XDG_CACHE_HOME/ca3, else ~/.cache/ca3): what a later run may reuse instead of
working it out again (compiled templates, parsed manifests, schema and certificate verdicts), never what a command
needs to be right.

What is read from it decides what ca3 runs or trusts, so it lives where only this user can write: never in the project
(a cloned repository could carry it) nor in the shared temporary folder. Its folders are made 0700 and its files 0600
through the file door (no link followed, replaced atomically), and a file is read only when it, its folders and the
cache home are this user's and writable by no one else. Anything wrong with the cache (missing, refused, no home, a
full disk) reads as empty and is logged: the cache never stops or changes a command.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files

FOLDER = PurePosixPath("ca3")
log = logging.getLogger(__name__)
_ENTRY = re.compile(r"^([0-9a-f]{64})(?: (.*))?$", re.MULTILINE)  # `<sha256 key>` and, after a space, its value


def home(environ: Mapping[str, str] | None = None) -> Path | None:
    """The XDG base folder for caches: $XDG_CACHE_HOME when it is an absolute path (the specification ignores a
    relative one), else $HOME/.cache; None without either. Links above ca3's own folder are the user's choice and are
    resolved; from ca3/ down none is followed."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(chosen):
        return Path(os.path.realpath(chosen))
    user = environ.get("HOME", "")
    return Path(os.path.realpath(user), ".cache") if os.path.isabs(user) else None


def fingerprint(libraries: tuple[str, ...], modules: tuple[str, ...]) -> str:
    """What a kept verdict depends on besides its input: the versions of `libraries` and the source of ca3's own
    `modules` (read as text, not imported, so working out the key loads none of what the verdict spares)."""
    digest = hashlib.sha256()
    for library in libraries:
        digest.update(f"{library}=={importlib.metadata.version(library)}\0".encode())
    for module in modules:
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        digest.update(Path(origin).read_bytes() if origin else module.encode())
    return digest.hexdigest()


def read(cache: Path, relative: str | PurePosixPath) -> bytes | None:
    """The bytes of ca3/`relative` in the cache home `cache`; None when absent or not to be trusted."""
    try:
        return files.read(cache, FOLDER / relative, private=True)
    except Ca3Error as exc:
        log.info("not using %s from the cache: %s", relative, exc)
        return None


def write(cache: Path, relative: str | PurePosixPath, data: bytes) -> None:
    """Keep `data` as ca3/`relative` in the cache home `cache` (private, no fsync: a file a crash loses is only worked
    out again); a failure is logged, never raised."""
    try:
        files.write(cache, FOLDER / relative, data, mode=files.PRIVATE_FILE, folder_mode=files.PRIVATE_FOLDER,
                    durable=False)
    except Ca3Error as exc:
        log.info("not keeping %s in the cache: %s", relative, exc)


class Entries:
    """One cache file of lines `<sha256 key> <value>` (the value may be empty), as the verdicts and parsed manifests
    are kept: read once (a line that does not match is dropped), and written back, when this run added something,
    with the entries it read or added last, so that past `limit` the ones dropped are those no recent run asked
    for. Without a cache home nothing is read or kept."""

    def __init__(self, cache: Path | None, relative: PurePosixPath) -> None:
        self.cache, self.relative = cache, relative
        data = read(cache, relative) if cache is not None else None
        self.kept: dict[str, str] = dict(_ENTRY.findall(data.decode("utf-8", "replace"))) if data else {}
        self.used: dict[str, None] = {}
        self.changed = False

    def get(self, key: str) -> str | None:
        found = self.kept.get(key)
        if found is not None:
            self.used[key] = None
        return found

    def add(self, entries: Mapping[str, str]) -> None:
        self.changed = self.changed or any(self.kept.get(key) != value for key, value in entries.items())
        self.kept.update(entries)
        self.used.update(dict.fromkeys(entries))

    def save(self, limit: int) -> None:
        if self.cache is None or not self.changed:
            return
        order = [key for key in self.kept if key not in self.used] + list(self.used)
        lines = [f"{key} {value}\n" if (value := self.kept[key]) else f"{key}\n" for key in order[-limit:]]
        write(self.cache, self.relative, "".join(lines).encode())
        self.changed = False
