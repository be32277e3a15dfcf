"""Record what a command shows: a text stream that passes output to the real terminal and to an asciicast file.

A `rich.console.Console(file=stream, ...)` writes through it, so the recording holds exactly the bytes the operator
saw (colours, cursor moves of a Live view). The cast is flushed on every write and closed on leaving the `with`,
including on Ctrl-C, so an interrupted drill still leaves a valid cast.
"""

from __future__ import annotations

import io
import sys
import threading
import time
import typing
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TextIO

from ca3cli.edges import files
from ca3cli.edges.recording.cast import CastWriter, new_header


class TeeStream(io.TextIOBase):
    """Writes go to `mirror` (when given) and, timed from the stream's creation, to the cast."""

    def __init__(self, cast: CastWriter, mirror: TextIO | None, clock: Callable[[], float]) -> None:
        super().__init__()
        self._cast = cast
        self._mirror = mirror
        self._clock = clock
        self._start = clock()
        # rich's Live view refreshes from its own thread while the drill prints from the main one.
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._mirror is not None and self._mirror.isatty()

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("write to a closed recording")
        with self._lock:
            if self._mirror is not None:
                self._mirror.write(text)
            # What a terminal's line discipline does (ONLCR): players, like terminals, take LF as "down" only.
            self._cast.write(self._clock() - self._start, text.replace("\n", "\r\n"))
        return len(text)

    def flush(self) -> None:
        if self._mirror is not None and not self.closed:
            self._mirror.flush()


class Recording:
    """`with Recording(path, width, height) as stream:` records everything written to `stream` into `path`.

    `clock` (seconds, monotonic) is what times the events; tests pass their own to record long sessions quickly.
    """

    def __init__(self, path: Path, width: int, height: int, mirror: TextIO | None = sys.stdout, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._header = new_header(width, height)
        self._mirror = mirror
        self._clock = clock
        self._file: TextIO | None = None
        self._stream: TeeStream | None = None

    def __enter__(self) -> TextIO:
        self._file = files.open_new(self.path.parent, self.path.name)
        self._stream = TeeStream(CastWriter(self._file, self._header), self._mirror, self._clock)
        # A TextIOBase that takes str is all a Console needs of its file; typing.TextIO is not its nominal base.
        return typing.cast(TextIO, self._stream)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._stream is not None:
            self._stream.flush()
            self._stream.close()
        if self._file is not None:
            self._file.close()
