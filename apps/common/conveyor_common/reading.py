"""The reading contract on the topic and the one validation of it both apps use: the producer checks what
POST /events gives it, the processor checks every message, so nothing reaches InfluxDB that it would refuse,
drop or mangle, and no message can crash either app.

A message is decoded and validated in one step by msgspec, straight into a Reading (the stdlib's json.loads
followed by the checks below cost about four times more, and the processor does it for every message). The
checks below stay the authority: msgspec's fast path takes a subset of what they accept (unknown fields, for one,
send a message down the slow path, since msgspec would skip them unread), and whatever it does not take is decoded
again by the stdlib and the checks, which give the reason or, rarely, accept it (UTF-16 JSON, a byte-order mark,
a duplicate field whose first value is wrong)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

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


# The contract in msgspec's terms, for the fast path; the state and check_id's printability are checked after it
# (a regular expression for the state would double msgspec's time).
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
STATE_SET = frozenset(STATES)


class Reading(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """One speed reading; (producer, seq) is unique, so loss and duplication can be counted end to end. A
    msgspec Struct: one is built per message on both sides, and building one costs less than a NamedTuple."""

    event_time_ns: Annotated[int, msgspec.Meta(ge=MIN_TIME_NS, le=MAX_TIME_NS)]
    line: Id
    speed_ms: Annotated[float, msgspec.Meta(ge=0, le=SPEED_LIMIT_MS)]
    state: str
    producer: Id
    seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]

    def key(self) -> bytes:
        """Partition key: the line, so each line's readings stay in order."""
        return self.line.encode()

    def encode(self) -> bytes:
        """Compact JSON, the fields in the order above."""
        return ENCODER.encode(self)


ENCODER = msgspec.json.Encoder()
DECODER = msgspec.json.Decoder(Reading)


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
        reading = DECODER.decode(value)
    except (msgspec.MsgspecError, RecursionError):  # decode_json gives the reason (or the rare reading it takes)
        return decode_json(value)
    if reading.state in STATE_SET and reading.line.isprintable() and reading.producer.isprintable():
        return reading
    return decode_json(value)


def decode_json(value: bytes) -> Reading:
    """decode()'s slow path and the authority on what a reading is: the stdlib's JSON and the checks above."""
    try:
        fields = json.loads(value)
    except RecursionError:
        raise Invalid("not JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer of too many digits
        raise Invalid(f"not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise Invalid("not a JSON object")
    return validate(fields)

