"""Pure parts of the apps: the line simulation, reading validation and the rolling analytics."""

from __future__ import annotations

import itertools
import json
import random
import statistics
from statistics import NormalDist

import pytest
from conveyor_common.logs import JsonFormatter, Sampler
from conveyor_common.reading import SPEED_LIMIT_MS, STATES, Invalid, Reading, decode, validate
from hypothesis import given
from hypothesis import strategies as st
from influxdb_client import Point, WritePrecision
from processor.analytics import Analytics, Limits
from processor.sink import to_lines
from producer.readings import parse_batch, validate_sample
from producer.simulation import MAX_SPEED_MS, NOISE, NOISE_MS, ConveyorLine

from tests.apps.helpers import analytics_over

SECOND = 1_000_000_000


def test_simulated_line_visits_every_state_within_speed_limits() -> None:
    line = ConveyorLine("line-1", random.Random(7))
    steps = [line.step() for _ in range(5000)]
    assert {line_id for line_id, _, _ in steps} == {"line-1"}
    assert {state for _, _, state in steps} == set(STATES)
    assert all(0.0 <= speed <= MAX_SPEED_MS for _, speed, _ in steps)
    assert all(speed == 0.0 for _, speed, state in steps if state in ("stopped", "maintenance"))


def test_a_running_lines_noise_is_normal_with_its_standard_deviation() -> None:
    assert statistics.fmean(NOISE) == pytest.approx(0.0, abs=1e-12)
    assert statistics.pstdev(NOISE) == pytest.approx(NOISE_MS, rel=0.01)
    normal = NormalDist(0.0, NOISE_MS)  # each of the table's values is the middle quantile of its 1/4096
    assert all(normal.cdf(noise) == pytest.approx((n + 0.5) / len(NOISE)) for n, noise in enumerate(sorted(NOISE)))


def test_simulated_speed_ramps_instead_of_jumping_when_starting() -> None:
    line = ConveyorLine("line-1", random.Random(3))
    steps = [line.step() for _ in range(2000)]
    changes = [abs(b[1] - a[1]) for a, b in itertools.pairwise(steps) if b[2] in ("starting", "stopping")]
    assert changes and max(changes) <= 0.05 + 1e-9


@pytest.mark.parametrize("item, reason", [
    ([], "JSON object"), ({"line": "", "speed_ms": 0.1, "state": "running"}, "line"),
    ({"line": "a", "speed_ms": True, "state": "running"}, "speed_ms"),
    ({"line": "a", "speed_ms": float("nan"), "state": "running"}, "speed_ms"),
    ({"line": "a", "speed_ms": 0.1, "state": "flying"}, "state"),
])
def test_ingest_validation_names_the_problem(item: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_sample(item)


def test_ingest_body_must_be_a_json_array() -> None:
    assert parse_batch(b'[{"line": "a"}]') == [{"line": "a"}]
    for body in (b"{}", b"\xff", b"nope"):
        with pytest.raises(ValueError):
            parse_batch(body)


def test_a_reading_decodes_to_what_was_encoded() -> None:
    sent = Reading(123, "line-1", 0.25, "running", "producer-a", 9)
    assert json.loads(sent.encode())["seq"] == 9
    assert decode(sent.encode()) == sent


@pytest.mark.parametrize("value", [None, b"", b"null", b"[1]", json.dumps({"line": "a"}).encode(),
                                   json.dumps({"event_time_ns": 1, "line": "a", "speed_ms": 0.1, "state": "x",
                                               "producer": "p", "seq": 1}).encode()])
def test_processor_rejects_what_is_not_a_reading(value: bytes | None) -> None:
    with pytest.raises(ValueError):
        decode(value)


def reading(t_s: float, speed: float, line: str = "line-1", state: str = "running") -> Reading:
    return Reading(int(t_s * SECOND), line, speed, state, "p", 0)


def test_window_statistics_drop_old_readings_and_never_mix_lines() -> None:
    analytics = analytics_over(10)
    analytics.update(reading(0, 0.1))
    analytics.update(reading(1, 0.3, line="line-2"))
    analytics.update(reading(5, 0.2))
    late = analytics.update(reading(12, 0.25))  # the reading at t=0 left the 10 s window
    assert (late.min_ms, late.max_ms) == (0.2, 0.25)
    assert late.mean_ms == pytest.approx(0.225)


def test_anomalies_flag_over_speed_movement_while_stopped_and_sudden_change() -> None:
    analytics = analytics_over(60)
    assert analytics.update(reading(0, 0.1)).anomalies() == []
    assert analytics.update(reading(1, 0.35)).anomalies() == ["over_speed", "sudden_change"]
    assert analytics.update(reading(2, 0.3, state="stopped")).anomalies() == ["moving_while_stopped"]


def test_json_log_lines_carry_the_fields_and_the_sampler_lets_one_per_interval() -> None:
    import logging

    record = logging.LogRecord("producer", logging.INFO, __file__, 1, "Speed: 0.2", None, None)
    record.fields = {"line": "line-1", "speed": 0.2}
    entry = json.loads(JsonFormatter("producer").format(record))
    assert entry | {"time": None} == {"time": None, "level": "info", "service": "producer",
                                      "message": "Speed: 0.2", "line": "line-1", "speed": 0.2}
    sampler = Sampler(interval_s=60)
    assert [sampler.allow("line-1"), sampler.allow("line-1"), sampler.allow("line-2")] == [True, False, True]


def test_incremental_window_matches_recomputing_over_random_readings() -> None:
    rng, analytics, history = random.Random(5), analytics_over(5), []
    for step in range(2000):
        now, speed = step * 0.25, round(rng.uniform(0, 0.3), 4)
        result = analytics.update(reading(now, speed))
        history.append((now, speed))
        inside = [s for t, s in history if t >= now - 5]
        assert (result.min_ms, result.max_ms) == (min(inside), max(inside))
        assert result.mean_ms == pytest.approx(sum(inside) / len(inside))


@pytest.mark.parametrize("line, producer", [("line-1", "producer-7f9c"), ("hall 2, line=3", "pod a,b")])
def test_line_protocol_matches_influxdb_clients_own_serialiser(line: str, producer: str) -> None:
    sent = Reading(1_795_000_000_123_456_789, line, 0.1234, "running", producer, 42)
    analysis = analytics_over(60).update(sent)
    point = (Point("conveyor_speed").tag("line", line).tag("producer", producer).tag("state", "running")
             .field("speed_ms", 0.1234).field("seq", 42).field("mean_ms", analysis.mean_ms)
             .field("min_ms", analysis.min_ms).field("max_ms", analysis.max_ms)
             .field("over_speed", 0).field("moving_while_stopped", 0).field("sudden_change", 0)
             .time(sent.event_time_ns, WritePrecision.NS))
    assert to_lines([sent], [analysis]) == [point.to_line_protocol()]


def test_a_line_or_producer_with_control_characters_is_not_a_reading() -> None:
    with pytest.raises(ValueError, match="printable"):
        decode(Reading(1, "line\n1", 0.1, "running", "p", 0).encode())


class FakeClock:
    """A settable monotonic clock for the analytics' idle expiry (processing time, not event time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def bounded(max_lines: int = 1000, max_readings: int = 100_000, idle_s: float = 3600,
            clock: FakeClock | None = None) -> tuple[Analytics, list[str]]:
    evicted: list[str] = []
    analytics = Analytics(Limits(window_s=60, idle_s=idle_s, max_lines=max_lines, max_readings=max_readings),
                          evicted.append, clock or FakeClock())
    return analytics, evicted


def test_windows_beyond_the_line_cap_are_evicted_least_recently_updated_first_and_counted() -> None:
    analytics, evicted = bounded(max_lines=3)
    for n in (1, 2, 3, 1, 4):  # line-2 is the least recently updated when line-4 arrives
        analytics.update(reading(n, 0.1, line=f"line-{n}"))
    assert analytics.lines == 3 and evicted == ["capacity"]
    assert analytics.update(reading(9, 0.2, line="line-1")).min_ms == 0.1  # line-1's window survived
    assert analytics.update(reading(9, 0.2, line="line-2")).min_ms == 0.2  # line-2's started again


def test_windows_of_idle_lines_expire_by_processing_time() -> None:
    clock = FakeClock()
    analytics, evicted = bounded(idle_s=30, clock=clock)
    analytics.update(reading(0, 0.1, line="line-1"))
    clock.now = 31
    analytics.update(reading(1, 0.1, line="line-2"))
    assert analytics.lines == 1 and evicted == ["idle"]


def test_the_readings_cap_trims_even_a_single_line_to_its_newest_readings() -> None:
    analytics, _ = bounded(max_readings=1000)
    for step in range(3000):
        result = analytics.update(reading(step * 0.001, 0.3 if step < 2000 else 0.1))
    assert analytics.readings == 1000 and (result.min_ms, result.max_ms) == (0.1, 0.1)


@pytest.mark.parametrize("fields, word", [
    ({"speed_ms": 10**400}, "speed_ms"), ({"speed_ms": float("inf")}, "speed_ms"), ({"seq": 2**63}, "seq"),
    ({"event_time_ns": 2**63 - 1}, "event_time_ns"), ({"line": "a" * 65}, "line"), ({"producer": "\ud800"}, "producer"),
])
def test_the_shared_validation_names_the_field_that_is_out_of_range(fields: dict[str, object], word: str) -> None:
    valid = {"event_time_ns": 1, "line": "a", "speed_ms": 0.1, "state": "running", "producer": "p", "seq": 0}
    assert validate(valid) == Reading(1, "a", 0.1, "running", "p", 0)
    with pytest.raises(Invalid, match=word):
        validate(valid | fields)


def test_line_protocol_escapes_a_trailing_backslash_so_it_cannot_swallow_the_next_tag() -> None:
    sent = Reading(1, "a\\", 0.1, "running", "p,q", 0)
    line = to_lines([sent], [analytics_over(60).update(sent)])[0]
    assert line.startswith("conveyor_speed,line=a\\\\,producer=p\\,q,state=")


@pytest.mark.parametrize("max_lines, max_readings", [(1000, 100_000), (4, 1000)])
def test_a_batch_is_analysed_as_its_readings_one_at_a_time(max_lines: int, max_readings: int) -> None:
    """Also under caps that evict and trim inside a batch, and with readings out of event-time order."""
    rng = random.Random(11)
    sent = [Reading(int(rng.uniform(0, 90) * SECOND), f"line-{rng.randrange(7)}", rng.choice([0.0, 0.05, 0.2, 0.35]),
                    rng.choice(STATES), rng.choice(["p", "q"]), seq) for seq in range(5000)]
    one, evicted_one = bounded(max_lines, max_readings)
    batched, evicted_batched = bounded(max_lines, max_readings)
    expected = [one.update(each) for each in sent]
    cuts = sorted(rng.sample(range(1, len(sent)), 20))
    got = [analysis for start, stop in itertools.pairwise([0, *cuts, len(sent)])
           for analysis in batched.update_all(sent[start:stop])]
    assert got == expected and evicted_batched == evicted_one and batched.readings == one.readings


@given(st.lists(st.floats(0, SPEED_LIMIT_MS) | st.sampled_from([-0.0, 1e-05, 5e-324, 99.99999999999999]),
                min_size=1, max_size=20))
def test_line_protocol_floats_read_back_as_the_same_floats(speeds: list[float]) -> None:
    sent = [Reading(seq, "line-1", speed, "running", "p", seq) for seq, speed in enumerate(speeds)]
    analyses = analytics_over(60).update_all(sent)
    for line, each, analysis in zip(to_lines(sent, analyses), sent, analyses, strict=True):
        fields = dict(field.split("=") for field in line.split(" ")[1].split(","))
        written = [float(fields[name]) for name in ("speed_ms", "mean_ms", "min_ms", "max_ms")]
        expected = [each.speed_ms, analysis.mean_ms, analysis.min_ms, analysis.max_ms]
        assert [repr(number) for number in written] == [repr(number) for number in expected]  # -0.0 too
