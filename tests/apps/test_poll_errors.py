"""Errors out of poll() that no batch on the topic causes (the real broker cannot be made to send them): the real
consumer's poll() raises the real exception once, in process, and the processor must carry on reading. A data error
no partition is to blame for must also replace the consumer, since kafka-python's may not read that partition
again (see processor/unreadable.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kafka.errors import CorruptRecordError, KafkaTimeoutError, NodeNotReadyError, UnsupportedCodecError
from processor import metrics
from processor.pipeline import Pipeline
from processor.settings import load
from processor.sink import InfluxSink
from processor.unreadable import about_data

from tests.apps.helpers import publish, reading
from tests.fixtures.pipeline import Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics


def poll_errors() -> float:
    return metrics.REGISTRY.get_sample_value("processor_poll_errors_total") or 0.0


def test_only_errors_about_the_bytes_are_data_errors() -> None:
    assert about_data(CorruptRecordError("crc")) and about_data(UnsupportedCodecError("codec"))
    assert about_data(EOFError("gzip")) and about_data(ValueError("varint"))
    assert not about_data(KafkaTimeoutError()) and not about_data(NodeNotReadyError())


@pytest.mark.integration
@pytest.mark.parametrize(("error", "replaced"), [(KafkaTimeoutError("injected"), False),
                                                 (RuntimeError("injected"), True)])
def test_a_poll_error_no_batch_is_to_blame_for_is_counted_and_reading_goes_on(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, monkeypatch: pytest.MonkeyPatch, error: Exception,
        replaced: bool) -> None:
    stream = Stream.create(tansu, partitions=1)
    publish(tansu, stream.topic, [reading(stream, seq) for seq in range(5)])
    settings = load(stream.processor_env(tansu, victoria_metrics))
    stop, sink = threading.Event(), InfluxSink(settings.influx)
    pipeline = Pipeline(settings, sink, stop)
    assert pipeline.connect()
    first = pipeline.consumer
    assert first is not None
    real_poll, raised = first.poll, []

    def poll_raising_once(*args: Any, **kwargs: Any) -> Any:
        if not raised:
            raised.append(error)
            raise error
        return real_poll(*args, **kwargs)

    monkeypatch.setattr(first, "poll", poll_raising_once)
    before = poll_errors()
    running = threading.Thread(target=pipeline.run)
    running.start()
    try:
        seen = victoria_metrics.wait_for_seqs(stream.producer_id, set(range(5)))
        assert set(seen) == set(range(5))
        assert running.is_alive() and raised == [error]
        assert poll_errors() == before + 1
        assert (pipeline.consumer is not first) == replaced
    finally:
        stop.set()
        running.join(timeout=10)
        pipeline.close()
        sink.close()
