"""Validation of the readings a load generator POSTs to /events (the topic's contract is conveyor_common.reading)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from conveyor_common.reading import STATES

MAX_LINE_ID = 64
MAX_BATCH = 5000


@dataclass(frozen=True)
class Sample:
    """What a load generator may send: a line, a speed and a state; the producer stamps the rest."""

    line: str
    speed_ms: float
    state: str


def validate_sample(item: Any) -> Sample:
    """One item of a POST /events body, or ValueError with the reason."""
    if not isinstance(item, dict):
        raise ValueError("a reading must be a JSON object")
    line, speed, state = item.get("line"), item.get("speed_ms"), item.get("state")
    if not isinstance(line, str) or not 0 < len(line) <= MAX_LINE_ID:
        raise ValueError(f"line must be a string of 1-{MAX_LINE_ID} characters")
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed) or speed < 0:
        raise ValueError("speed_ms must be a finite number >= 0")
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}")
    return Sample(line=line, speed_ms=float(speed), state=state)


def parse_batch(body: bytes) -> list[Any]:
    """The JSON array of a POST /events body, or ValueError saying why it is not one."""
    try:
        items = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"body is not JSON: {error}") from None
    if not isinstance(items, list):
        raise ValueError("body must be a JSON array of readings")
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} readings per request")
    return items
