"""The reading contract on the topic and the one validation of it both apps use: the producer checks what
POST /events gives it, the processor checks every message, so nothing reaches InfluxDB that it would refuse,
drop or mangle, and no message can crash either app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

COMPACT = json.JSONEncoder(separators=(",", ":"))  # one encoder, not one per reading
STATES = ("stopped", "starting", "running", "stopping", "maintenance")

MAX_MESSAGE_BYTES = 4096  # an encoded reading is about 200 bytes
MAX_ID_CHARS = 64  # line and producer ids
SPEED_LIMIT_MS = 100.0  # a conveyor faster than this is a broken sensor, not a reading
MAX_SEQ = 2**63 - 1  # InfluxDB integer fields are int64
# The timestamps InfluxDB 2 stores: int64 nanoseconds, 1677-09-21T00:12:43.145224194Z..2262-04-11T23:47:16.854775806Z.
MIN_TIME_NS = -(2**63) + 2
MAX_TIME_NS = 2**63 - 2


class Invalid(ValueError):
    """Why a message or a POSTed item is not a reading; the text is the reason (DLQ header, 400 answer)."""


class Reading(NamedTuple):
    """One speed reading; (producer, seq) is unique, so loss and duplication can be counted end to end. A
    NamedTuple: one is built per message on both sides, and a frozen dataclass costs several times more."""

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
        """Compact JSON, fields spelt out (the generic conversions cost more than the send)."""
        return COMPACT.encode({"event_time_ns": self.event_time_ns, "line": self.line, "speed_ms": self.speed_ms,
                               "state": self.state, "producer": self.producer, "seq": self.seq}).encode()


def check_id(name: str, value: Any) -> str:
    """A line or producer id: 1-64 printable characters (no control characters, no lone surrogates). Commas,
    spaces, equals signs and backslashes are allowed; the processor escapes them in line protocol."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
        raise Invalid(f"{name} must be a string of 1-{MAX_ID_CHARS} characters")
    if not value.isprintable():
        raise Invalid(f"{name} must be printable text (no control characters or lone surrogates)")
    return value


def check_speed(value: Any) -> float:
    """A finite speed from 0 to SPEED_LIMIT_MS m/s (an int is range-checked before it becomes a float, so a
    400-digit integer is a reason, not an OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= SPEED_LIMIT_MS:
        raise Invalid(f"speed_ms must be a number from 0 to {SPEED_LIMIT_MS:g}")
    return float(value)  # NaN fails the comparison above, infinities the bound


def check_state(value: Any) -> str:
    if value not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}")
    return str(value)


def check_int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"{name} must be an integer from {low} to {high}")
    return value


def validate(fields: Mapping[str, Any]) -> Reading:
    """The Reading in decoded JSON fields, or Invalid naming the first field that is wrong."""
    return Reading(
        event_time_ns=check_int("event_time_ns", fields.get("event_time_ns"), MIN_TIME_NS, MAX_TIME_NS),
        line=check_id("line", fields.get("line")),
        speed_ms=check_speed(fields.get("speed_ms")),
        state=check_state(fields.get("state")),
        producer=check_id("producer", fields.get("producer")),
        seq=check_int("seq", fields.get("seq"), 0, MAX_SEQ),
    )


def decode(value: bytes | None) -> Reading:
    """The reading in a message value, or Invalid saying what is wrong with it (whatever the bytes are)."""
    if not value:
        raise Invalid("empty message")
    if len(value) > MAX_MESSAGE_BYTES:
        raise Invalid(f"message of {len(value)} bytes; a reading is at most {MAX_MESSAGE_BYTES}")
    try:
        fields = json.loads(value)
    except RecursionError:
        raise Invalid("not JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer of too many digits
        raise Invalid(f"not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise Invalid("not a JSON object")
    return validate(fields)

