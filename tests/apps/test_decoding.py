"""Property: the processor's fast decoder (msgspec) and the stdlib JSON path with the shared checks agree on every
message, the reading or the reason, so the speed-up changes nothing that reaches InfluxDB or the DLQ."""

from __future__ import annotations

import json
from collections.abc import Callable

from conveyor_common.reading import DECODER, MAX_MESSAGE_BYTES, STATES, Invalid, Reading, decode, decode_json
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

FIELDS = ("event_time_ns", "line", "speed_ms", "state", "producer", "seq")
# Values near and across each field's limits, of every JSON type, text with what is not printable included.
values = st.one_of(
    st.none(), st.booleans(), st.sampled_from(STATES), st.text(max_size=70),
    st.integers(-(2**64), 2**64), st.integers(-3, 3), st.sampled_from([2**63 - 2, 2**63 - 1, -(2**63) + 2]),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-1, 101),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
valid = {"event_time_ns": 1, "line": "line-1", "speed_ms": 0.2, "state": "running", "producer": "p", "seq": 0}


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A JSON object near a reading (fields dropped, changed, added), in one of several spellings."""
    fields = {name: draw(values) if draw(st.booleans()) else value for name, value in valid.items()
              if draw(st.integers(0, 9))}
    fields |= draw(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), values, max_size=2))
    text = json.dumps(fields, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])),
                      ensure_ascii=draw(st.booleans()))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16"])), "surrogatepass")


def outcome(decoder: Callable[[bytes], Reading], value: bytes) -> str:
    try:
        return repr(decoder(value))  # repr tells 0.0 from -0.0 and 1 from 1.0
    except Invalid as error:
        return f"Invalid: {error}"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(messages(), st.binary(min_size=1, max_size=64)))
@example(b'{"event_time_ns":1,"line":"a","speed_ms":0.1,"state":"running","producer":"p","seq":1,"x":"\xff"}')
@example(b'{"event_time_ns":1,"line":"a\\u0000","speed_ms":0.1,"state":"running","producer":"p","seq":1}')
@example(b'{"event_time_ns":1,"line":"a","speed_ms":-0.0,"state":"running","producer":"p","seq":1,"seq":"x"}')
@example(b'{"event_time_ns":1,"line":"a","speed_ms":1e2,"state":"running\\n","producer":"p","seq":1}')
@example(b'\xef\xbb\xbf{"event_time_ns":1,"line":"a","speed_ms":1,"state":"running","producer":"p","seq":1}')
def test_the_fast_decoder_agrees_with_the_stdlib_checks_on_any_message(value: bytes) -> None:
    if len(value) <= MAX_MESSAGE_BYTES:
        assert outcome(decode, value) == outcome(decode_json, value)


def test_a_reading_the_producer_encodes_is_taken_by_the_fast_decoder() -> None:
    sent = Reading(1_795_000_000_123_456_789, "hall 2, line=3", 0.1234, "stopping", "producer-7f9c", 2**63 - 1)
    assert DECODER.decode(sent.encode()) == sent
    assert json.loads(sent.encode()) == {"event_time_ns": 1_795_000_000_123_456_789, "line": "hall 2, line=3",
                                         "speed_ms": 0.1234, "state": "stopping", "producer": "producer-7f9c",
                                         "seq": 2**63 - 1}
