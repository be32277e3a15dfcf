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
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files

FOLDER = PurePosixPath("ca3")
log = logging.getLogger(__name__)


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
