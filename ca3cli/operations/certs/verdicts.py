"""Certificates that fitted their role before, kept in the user's cache folder (ca3cli/edges/user_cache.py:
ca3/certs/<checker>) with the time they fit until, so that rendering or deploying a TLS milestone again, as every
command does, reads the PEM files but neither loads cryptography nor parses them (about a tenth of a render's CPU).

A verdict is keyed by the exact bytes checked (the CA's certificate, and the leaf's with everything its spec asks
for) and holds only the window inspect.fitting_window gives: a later run trusts it only inside that window, so a
certificate near its end is looked at afresh and reported. One set per version of cryptography and of ca3's own
checks (inspect.py); only passes are kept, a problem is always worked out again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import PurePosixPath

from ca3cli.edges import user_cache

FOLDER = PurePosixPath("certs")  # below the cache's ca3/
LIBRARIES = ("cryptography",)
OWN_CODE = ("ca3cli.operations.certs.inspect",)  # read as source: importing it loads cryptography
LIMIT = 256
_WINDOW = re.compile(r"(-?[0-9]+) (-?[0-9]+)")  # a verdict's value: from, until (seconds since the epoch)


def key(*parts: bytes | str) -> str:
    """The key of what is checked: each part's bytes, none able to run into the next."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


class Verdicts:
    """The windows in which checked certificates fit: the values of their keys in the cache file."""

    def __init__(self, kept: user_cache.Entries) -> None:
        self.kept = kept

    def fits(self, now: dt.datetime, what: str) -> bool:
        """Whether `what` (a key) fitted before and `now` is still inside the window it fits in."""
        window = _WINDOW.fullmatch(self.kept.get(what) or "")
        return window is not None and int(window[1]) <= now.timestamp() < int(window[2])

    def keep(self, what: str, window: tuple[dt.datetime, dt.datetime]) -> None:
        """Note that `what` fits from the first moment of `window` until before the second."""
        self.kept.add({what: f"{math.ceil(window[0].timestamp())} {math.floor(window[1].timestamp())}"})

    def save(self) -> None:
        """Keep what this run added (with the most recent of the rest, up to LIMIT) for the next run."""
        self.kept.save(LIMIT)


def load() -> Verdicts:
    """The verdicts earlier runs kept with this checker (none without a cache home, or from a file not to trust)."""
    return Verdicts(user_cache.Entries(user_cache.home(), FOLDER / user_cache.fingerprint(LIBRARIES, OWN_CODE)))
