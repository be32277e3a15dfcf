"""The reading contract on the topic: the producer encodes it, the processor decodes it (or says why not)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

COMPACT = json.JSONEncoder(separators=(",", ":"))  # one encoder, not one per reading
STATES = ("stopped", "starting", "running", "stopping", "maintenance")


@dataclass(frozen=True)
class Reading:
    """One speed reading; (producer, seq) is unique, so loss and duplication can be counted end to end."""

    event_time_ns: int
    line: str
    speed_ms: float
    state: str
    producer: str
    seq: int

    def key(self) -> bytes:
        """Partition key: the line, so each line's readings stay in order."""
        return self.line.encode()

    def encode(self) -> bytes:
        """Compact JSON (fields spelt out: dataclasses.asdict deep-copies and costs more than the send)."""
        return COMPACT.encode({"event_time_ns": self.event_time_ns, "line": self.line, "speed_ms": self.speed_ms,
                               "state": self.state, "producer": self.producer, "seq": self.seq}).encode()


def _require(fields: dict[str, Any], name: str, kinds: tuple[type, ...]) -> Any:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"field {name!r} is missing or not {' or '.join(k.__name__ for k in kinds)}")
    return value


def decode(value: bytes | None) -> Reading:
    """The reading in a message value, or ValueError saying what is wrong with it."""
    try:
        fields = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise ValueError("not a JSON object")
    reading = Reading(
        event_time_ns=_require(fields, "event_time_ns", (int,)),
        line=_require(fields, "line", (str,)),
        speed_ms=float(_require(fields, "speed_ms", (int, float))),
        state=_require(fields, "state", (str,)),
        producer=_require(fields, "producer", (str,)),
        seq=_require(fields, "seq", (int,)),
    )
    if reading.state not in STATES:
        raise ValueError(f"state {reading.state!r} is not one of {', '.join(STATES)}")
    if not (reading.line.isprintable() and reading.producer.isprintable()) or not reading.line or not reading.producer:
        raise ValueError("line and producer must be non-empty printable text")
    if not math.isfinite(reading.speed_ms) or reading.speed_ms < 0 or reading.seq < 0 or reading.event_time_ns <= 0:
        raise ValueError("speed_ms, seq or event_time_ns is out of range")
    return reading
