"""Validation of the readings a load generator POSTs to /events, by the same checks the processor applies to
every message (conveyor_common.reading), so a reading accepted here is one the processor can store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conveyor_common.reading import Invalid, check_id, check_speed, check_state

MAX_BATCH = 5000


@dataclass(frozen=True)
class Sample:
    """What a load generator may send: a line, a speed and a state; the producer stamps the rest."""

    line: str
    speed_ms: float
    state: str


def validate_sample(item: Any) -> Sample:
    """One item of a POST /events body, or Invalid with the reason."""
    if not isinstance(item, dict):
        raise Invalid("a reading must be a JSON object")
    return Sample(line=check_id("line", item.get("line")), speed_ms=check_speed(item.get("speed_ms")),
                  state=check_state(item.get("state")))


def parse_batch(body: bytes) -> list[Any]:
    """The JSON array of a POST /events body, or Invalid saying why it is not one."""
    try:
        items = json.loads(body)
    except RecursionError:
        raise Invalid("body is not JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer of too many digits
        raise Invalid(f"body is not JSON: {error}") from None
    if not isinstance(items, list):
        raise Invalid("body must be a JSON array of readings")
    if len(items) > MAX_BATCH:
        raise Invalid(f"at most {MAX_BATCH} readings per request")
    return items
