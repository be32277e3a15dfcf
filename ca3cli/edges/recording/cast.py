"""asciicast v2, the asciinema file format: a JSON header line, then one `[seconds, "o", text]` line per output.

Written line by line and flushed as it goes, so a drill stopped at any point (Ctrl-C, a crash) leaves a file that
parses up to its last whole line; the reader drops only an unfinished final line. Format:
https://docs.asciinema.org/manual/asciicast/v2/
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

VERSION = 2
OUTPUT = "o"
# The terminal the recorded output was written for (rich emits ANSI colours and cursor moves for it).
TERM = "xterm-256color"


@dataclass(frozen=True)
class Header:
    """The first line: terminal size, when the session started and the environment it ran in."""

    width: int
    height: int
    timestamp: int
    env: Mapping[str, str]

    def as_json(self) -> str:
        return json.dumps({"version": VERSION, "width": self.width, "height": self.height,
                           "timestamp": self.timestamp, "env": dict(self.env)})


@dataclass(frozen=True)
class Event:
    """Text written to the terminal `time` seconds after the session started."""

    time: float
    data: str


@dataclass(frozen=True)
class Cast:
    header: Header
    events: tuple[Event, ...]

    @property
    def duration(self) -> float:
        return self.events[-1].time if self.events else 0.0


class CastError(ValueError):
    """The file is not asciicast v2 (names the line and what is wrong with it)."""


def new_header(width: int, height: int) -> Header:
    """A header for a session starting now; only TERM and SHELL are kept from the environment, never secrets."""
    if width < 1 or height < 1:
        raise ValueError(f"terminal size must be positive, got {width}x{height}")
    return Header(width, height, int(time.time()), {"TERM": TERM, "SHELL": os.environ.get("SHELL", "/bin/sh")})


class CastWriter:
    """Appends events to an open cast file, one flushed line each."""

    def __init__(self, handle: TextIO, header: Header) -> None:
        self._handle = handle
        self._last = 0.0
        handle.write(header.as_json() + "\n")
        handle.flush()

    def write(self, at: float, data: str) -> None:
        """One output event; times never go backwards (players require ascending times)."""
        if not data:
            return
        self._last = max(self._last, round(at, 6))
        self._handle.write(json.dumps([self._last, OUTPUT, data], ensure_ascii=False) + "\n")
        self._handle.flush()


def _header(line: str) -> Header:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CastError(f"line 1 is not JSON ({exc.msg})") from None
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise CastError("line 1 is not an asciicast v2 header (no \"version\": 2)")
    width, height = raw.get("width"), raw.get("height")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise CastError("the header's width and height must be positive integers")
    env = raw.get("env", {})
    if not isinstance(env, dict):
        raise CastError("the header's env must be an object")
    return Header(width, height, int(raw.get("timestamp", 0)), {str(k): str(v) for k, v in env.items()})


def _event(number: int, line: str, previous: float) -> Event | None:
    """An output event, None for the other event types (input, marker, resize), which replay ignores."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CastError(f"line {number} is not JSON ({exc.msg})") from None
    if not (isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], int | float)
            and isinstance(raw[1], str) and isinstance(raw[2], str)):
        raise CastError(f"line {number} is not an event [time, code, data]")
    if raw[0] < previous:
        raise CastError(f"line {number} goes back in time ({raw[0]} after {previous})")
    return Event(float(raw[0]), raw[2]) if raw[1] == OUTPUT else None


def parse(text: str) -> Cast:
    """Parse a cast; an unfinished last line (the writer was killed mid-line) is dropped, any other fault raises."""
    lines = text.split("\n")
    if lines and lines[-1] and len(lines) > 1:
        lines = lines[:-1]  # no newline after it: an unfinished write
    lines = [line for line in lines if line]
    if not lines:
        raise CastError("the file is empty")
    header = _header(lines[0])
    events: list[Event] = []
    for number, line in enumerate(lines[1:], start=2):
        event = _event(number, line, events[-1].time if events else 0.0)
        if event is not None:
            events.append(event)
    return Cast(header, tuple(events))


def read(path: Path) -> Cast:
    return parse(path.read_text(encoding="utf-8"))
