"""Compiled templates kept between runs in the user's cache folder (ca3cli/edges/user_cache.py: ca3/templates):
compiling ca3's templates is most of the CPU a render takes, and they only change with ca3.

A compiled template is code that ca3 runs, which is why the cache folder takes only what this user alone can have
written. Jinja loads a file only when it was compiled from the same template source; the key adds everything else
the code depends on (Jinja's version, the interpreter, the environment's options, filters and tests). A file that
cannot be read back is compiled again.
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

from ca3cli.edges import user_cache

FOLDER = PurePosixPath("templates")  # below the cache's ca3/
log = logging.getLogger(__name__)

# Environment settings the compiled code depends on (jinja2.Environment's constructor arguments).
_OPTIONS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "autoescape",
            "undefined")


def fingerprint(env: jinja2.Environment) -> str:
    """What compiled code depends on besides its template's source (which Jinja checks itself)."""
    parts = [jinja2.__version__, sys.implementation.cache_tag, *(repr(getattr(env, name)) for name in _OPTIONS),
             *sorted(map(repr, env.extensions)), *sorted(env.filters), "|", *sorted(env.tests)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class FileCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache in the cache home `cache`, one file a template, through ca3cli/edges/user_cache.py."""

    def __init__(self, cache: Path, fingerprint: str) -> None:
        self.cache = cache
        self.fingerprint = fingerprint

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{name}\0{filename}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        data = user_cache.read(self.cache, FOLDER / f"{bucket.key}.cache")
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # a torn file is compiled again, whatever it breaks in Jinja's reader (pickle, marshal)
            log.info("compiling %s again: its cached code could not be read back", bucket.key)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        user_cache.write(self.cache, FOLDER / f"{bucket.key}.cache", bucket.bytecode_to_string())


def attach(env: jinja2.Environment, environ: Mapping[str, str] | None = None) -> None:
    """Let `env` keep its compiled templates in this user's cache folder (none when there is no home to keep it)."""
    cache = user_cache.home(os.environ if environ is None else environ)
    env.bytecode_cache = None if cache is None else FileCache(cache, fingerprint(env))
