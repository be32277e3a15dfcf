"""Compiled templates kept between runs in the user's cache folder ($XDG_CACHE_HOME/ca3/templates, else
~/.cache/ca3/templates): compiling ca3's templates is most of the CPU a render takes, and they only change with ca3.

A compiled template is code that ca3 runs, so the cache lives where only this user can write: never in the project
(a cloned repository could carry one) nor in the shared temporary folder. Its folders are made 0700 and its files 0600
through the file door (no link followed, replaced atomically), and a file is loaded only when it, its folders and
the cache home are this user's and writable by no one else. Jinja loads a file only when it was compiled from the
same template source; the key adds everything else the code depends on (Jinja's version, the interpreter, the
environment's options, filters and tests). Anything wrong with the cache (missing, corrupt, refused, no home, a full
disk) means the templates are compiled as without it: the cache never stops or changes a command.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import jinja2
from jinja2.bccache import Bucket

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files

FOLDER = PurePosixPath("ca3", "templates")
log = logging.getLogger(__name__)

# Environment settings the compiled code depends on (jinja2.Environment's constructor arguments).
_OPTIONS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "autoescape",
            "undefined")


def cache_home(environ: Mapping[str, str]) -> Path | None:
    """The XDG base folder for caches: $XDG_CACHE_HOME when it is an absolute path (the specification ignores a
    relative one), else $HOME/.cache; None without either. Links above ca3's own folder are the user's choice and are
    resolved; from ca3/ down none is followed."""
    chosen = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(chosen):
        return Path(os.path.realpath(chosen))
    home = environ.get("HOME", "")
    return Path(os.path.realpath(home), ".cache") if os.path.isabs(home) else None


def fingerprint(env: jinja2.Environment) -> str:
    """What compiled code depends on besides its template's source (which Jinja checks itself)."""
    parts = [jinja2.__version__, sys.implementation.cache_tag, *(repr(getattr(env, name)) for name in _OPTIONS),
             *sorted(map(repr, env.extensions)), *sorted(env.filters), "|", *sorted(env.tests)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class FileCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache in `home`/ca3/templates, one file a template, read and written through the file door."""

    def __init__(self, home: Path, fingerprint: str) -> None:
        self.home = home
        self.fingerprint = fingerprint

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{name}\0{filename}".encode()).hexdigest()

    def _path(self, bucket: Bucket) -> PurePosixPath:
        return FOLDER / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = files.read(self.home, self._path(bucket), private=True)
        except Ca3Error as exc:
            log.info("not using the compiled template %s: %s", self._path(bucket), exc)
            return
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # a torn file is compiled again, whatever it breaks in Jinja's reader (pickle, marshal)
            log.info("compiling again: %s could not be read back", self._path(bucket))
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:  # no fsync: a cache file lost in a crash is only compiled again
            files.write(self.home, self._path(bucket), bucket.bytecode_to_string(), mode=files.PRIVATE_FILE,
                        folder_mode=files.PRIVATE_FOLDER, durable=False)
        except Ca3Error as exc:
            log.info("compiled template not kept: %s", exc)


def attach(env: jinja2.Environment, environ: Mapping[str, str] | None = None) -> None:
    """Let `env` keep its compiled templates in this user's cache folder (none when there is no home to keep it)."""
    home = cache_home(os.environ if environ is None else environ)
    env.bytecode_cache = None if home is None else FileCache(home, fingerprint(env))
