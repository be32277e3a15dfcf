"""The processor's preparation of a polled batch (decode, analyse, line protocol), without servers: every message
comes out as a point or as a reject with its reason, in order, and a reading that trips the batch's code costs
that message alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from conveyor_common.reading import Reading
from kafka.consumer.fetcher import ConsumerRecord
from processor import pipeline
from processor.pipeline import Pipeline
from processor.settings import load
from processor.sink import InfluxSink, to_lines

from tests.apps.helpers import OFFLINE_ENV, analytics_over


def message(offset: int, value: bytes | None) -> ConsumerRecord:
    return ConsumerRecord("t", 0, -1, offset, 0, 0, b"k", value, [], None, 1, len(value or b""), -1)


def readings(count: int) -> list[Reading]:
    return [Reading(1_795_000_000_000_000_000 + seq, f"line-{seq % 3}", 0.1 * (seq % 4), "running", "p", seq)
            for seq in range(count)]


@pytest.fixture
def prepared() -> Iterator[Pipeline]:
    settings = load(OFFLINE_ENV)
    made = Pipeline(settings, InfluxSink(settings.influx), threading.Event())
    yield made
    made.writer.shutdown()


def test_a_batch_gives_each_valid_message_its_point_and_each_invalid_one_its_reason(prepared: Pipeline) -> None:
    sent = readings(6)
    values = [sent[0].encode(), b"{", sent[1].encode(), None, *[each.encode() for each in sent[2:]]]
    points, rejects = prepared.prepare([message(offset, value) for offset, value in enumerate(values)])
    assert points.readings == sent and [each.offset for each in points.messages] == [0, 2, 4, 5, 6, 7]
    assert points.lines == to_lines(sent, analytics_over(60).update_all(sent))
    assert [(each.offset, reason.split(":")[0]) for each, reason in rejects] == [(1, "not JSON"), (3, "empty message")]


def test_a_reading_that_trips_the_batch_goes_to_the_dlq_alone(prepared: Pipeline,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def tripped(batch: list[Reading], analyses: list[object]) -> list[str]:
        if any(each.seq == 2 for each in batch):
            raise RuntimeError("tripped by seq 2")
        return to_lines(batch, analyses)  # type: ignore[arg-type]  # the analyses update_all gave

    monkeypatch.setattr(pipeline, "to_lines", tripped)
    sent = readings(5)
    points, rejects = prepared.prepare([message(seq, each.encode()) for seq, each in enumerate(sent)])
    assert [each.seq for each in points.readings] == [0, 1, 3, 4] and len(points.lines) == 4
    assert [(each.offset, reason) for each, reason in rejects] == [(2, "RuntimeError: tripped by seq 2")]
