"""Property: any reading the shared validation accepts is stored by the real database exactly as sent (tags
unescaped to the same text, fields, time), through the processor's own line protocol and sink."""

from __future__ import annotations

import time
import uuid

import pytest
from conveyor_common.reading import (
    MAX_ID_CHARS,
    SPEED_LIMIT_MS,
    STATES,
    Reading,
    decode,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from processor.settings import load_influx
from processor.sink import InfluxSink, to_lines

from tests.apps.helpers import analytics_over
from tests.fixtures.patience import HANG_GUARD_S
from tests.fixtures.servers import VictoriaMetrics

pytestmark = pytest.mark.integration

DAY_NS = 86_400 * 10**9
# Printable text as str.isprintable (and so check_id) defines it: no "Other" category, no separator but the space.
ids = st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
                            include_characters=" \\,="), min_size=1, max_size=MAX_ID_CHARS)


@st.composite
def readings(draw: st.DrawFn, tag: str) -> list[Reading]:
    """A few readings, each from its own producer id ending in `-<tag>-<n>`, so one query finds them all."""
    # VictoriaMetrics drops samples outside its retention (a month here), so event times are from the last day
    # rather than InfluxDB's whole 1677-2262 range; the validation's bounds are tested by the poison table.
    return [Reading(event_time_ns=time.time_ns() - draw(st.integers(0, DAY_NS)), line=draw(ids),
                    speed_ms=draw(st.floats(0, SPEED_LIMIT_MS, allow_nan=False)),
                    state=draw(st.sampled_from(STATES)), producer=f"{draw(ids)[:40]}-{tag}-{n}",
                    seq=draw(st.integers(0, 2**63 - 1)))
            for n in range(draw(st.integers(1, 20)))]


@pytest.fixture(scope="module")
def sink(victoria_metrics: VictoriaMetrics) -> InfluxSink:
    return InfluxSink(load_influx(victoria_metrics.app_env()))


def stored(influx: VictoriaMetrics, tag: str, count: int,
           timeout_s: float = HANG_GUARD_S) -> dict[str, dict[str, object]]:
    """{producer: {"labels", "speed_ms", "seq", "time_ms"}} once all `count` readings are searchable."""
    deadline = time.monotonic() + timeout_s
    while True:
        series = influx.export(f'{{__name__=~"conveyor_speed_(seq|speed_ms)",producer=~".*-{tag}-[0-9]+"}}')
        if len(series) >= 2 * count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    found: dict[str, dict[str, object]] = {}
    for item in series:
        labels = dict(item["metric"])
        field = labels.pop("__name__").removeprefix("conveyor_speed_")
        entry = found.setdefault(labels["producer"], {"labels": labels})
        entry[field], entry["time_ms"] = item["values"], item["timestamps"]
    return found


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_readings_are_stored_by_the_real_database_exactly_as_sent(
        data: st.DataObject, sink: InfluxSink, victoria_metrics: VictoriaMetrics) -> None:
    tag = uuid.uuid4().hex[:12]
    sent = data.draw(readings(tag))
    assert [decode(reading.encode()) for reading in sent] == sent  # valid by the shared validation
    analytics = analytics_over(60)
    assert sink.write(to_lines(sent, analytics.update_all(sent))) == {}
    found = stored(victoria_metrics, tag, len(sent))
    # VictoriaMetrics keeps values as float64 rounded to 12 significant digits, and times in milliseconds
    # (InfluxDB 2 would keep both exactly): the comparison allows for that and nothing more. Its decimal exponent
    # stops near -309, so a value under about 1e-297 that needs all 12 digits is stored as 0
    # (1.9085741770711258e-298 is; 1.9085741770711258e-297 and 1.25e-298 are kept).
    assert sorted(found) == sorted(reading.producer for reading in sent)
    for reading in sent:
        entry = found[reading.producer]
        assert entry["labels"] == {"line": reading.line, "producer": reading.producer, "state": reading.state}
        assert entry["time_ms"] == [reading.event_time_ns // 1_000_000]
        assert entry["speed_ms"] == [pytest.approx(reading.speed_ms, rel=1e-11, abs=1e-297)]
        assert entry["seq"] == [pytest.approx(float(reading.seq), rel=1e-11)]
