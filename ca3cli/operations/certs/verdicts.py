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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ca3cli.edges import user_cache

FOLDER = PurePosixPath("certs")  # below the cache's ca3/
LIBRARIES = ("cryptography",)
OWN_CODE = ("ca3cli.operations.certs.inspect",)  # read as source: importing it loads cryptography
LIMIT = 256
_LINE = re.compile(r"^([0-9a-f]{64}) (-?[0-9]+) (-?[0-9]+)$", re.MULTILINE)


def key(*parts: bytes | str) -> str:
    """The key of what is checked: each part's bytes, none able to run into the next."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


@dataclass
class Verdicts:
    """The windows in which checked certificates fit, as read from the cache, and those added by this run."""

    cache: Path | None
    name: PurePosixPath
    windows: dict[str, tuple[int, int]]
    added: dict[str, tuple[int, int]] = field(default_factory=dict)

    def fits(self, now: dt.datetime, what: str) -> bool:
        """Whether `what` (a key) fitted before and `now` is still inside the window it fits in."""
        window = self.windows.get(what)
        return window is not None and window[0] <= now.timestamp() < window[1]

    def keep(self, what: str, window: tuple[dt.datetime, dt.datetime]) -> None:
        """Note that `what` fits from the first moment of `window` until before the second."""
        self.added[what] = (math.ceil(window[0].timestamp()), math.floor(window[1].timestamp()))

    def save(self) -> None:
        """Keep what this run added (with the most recent of the rest, up to LIMIT) for the next run."""
        if self.cache is None or not self.added:
            return
        kept = {**self.windows, **self.added}
        lines = [f"{what} {start} {end}\n" for what, (start, end) in list(kept.items())[-LIMIT:]]
        user_cache.write(self.cache, self.name, "".join(lines).encode("ascii"))


def load() -> Verdicts:
    """The verdicts earlier runs kept with this checker (none without a cache home, or from a file not to trust)."""
    cache = user_cache.home()
    name = FOLDER / user_cache.fingerprint(LIBRARIES, OWN_CODE)
    data = user_cache.read(cache, name) if cache is not None else None
    found = _LINE.findall(data.decode("ascii", "replace")) if data else []
    return Verdicts(cache, name, {what: (int(start), int(end)) for what, start, end in found})
