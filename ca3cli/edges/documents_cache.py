"""Parsed manifests kept between runs in the user's cache folder (ca3cli/edges/user_cache.py: ca3/documents/<parser>):
the same settings render the same texts run after run, and reading their documents back from JSON takes about a
twentieth of the CPU PyYAML takes to parse them (ca3cli/core/render.py, Documents).

One file per version of the parser (PyYAML, the loader render uses, and render.py's own code), one line per text:
the sha256 of the text and its documents as JSON. No text holding a secret value or a Secret is kept (render decides
that); a line that does not read back is parsed again. The file holds what recent runs parsed, up to LIMIT texts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import PurePosixPath

from ca3cli.core import render
from ca3cli.edges import user_cache

FOLDER = PurePosixPath("documents")  # below the cache's ca3/
LIBRARIES = ("PyYAML",)
OWN_CODE = ("ca3cli.core.render",)
LIMIT = 512  # about four renders of milestone 9 with different settings, 1 MB


class FileStore(user_cache.Entries):
    """The documents earlier runs kept, read once; what a render adds is written at once, after the rest."""

    def put(self, entries: Mapping[str, str]) -> None:
        self.add(entries)
        self.save(LIMIT)


def attach(documents: render.Documents, environ: Mapping[str, str] | None = None) -> None:
    """Let `documents` keep what it parses in this user's cache folder (nothing kept when there is no home)."""
    cache = user_cache.home(os.environ if environ is None else environ)
    name = FOLDER / f"{user_cache.fingerprint(LIBRARIES, OWN_CODE)}-{render.SAFE_LOADER.__name__}"
    documents.store = None if cache is None else FileStore(cache, name)
