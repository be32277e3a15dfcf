"""Malformed input and shutdown under load, against real servers."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.apps.helpers import StreamRun, publish, reading
from tests.fixtures.patience import HANG_GUARD_S, eventually
from tests.fixtures.pipeline import AppLauncher, Stream, app_env
from tests.fixtures.servers import Kafka, VictoriaMetrics

pytestmark = pytest.mark.integration

MALFORMED = [b"not json", b"[1, 2]", json.dumps({"line": "line-1", "speed_ms": 0.1}).encode()]


def dlq_messages(kafka: Kafka, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(**kafka.client_options(), enable_auto_commit=False, consumer_timeout_ms=5000)
    try:
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek_to_beginning()
        return list(itertools.islice(consumer, expected + 1))
    finally:
        consumer.close()


def test_one_percent_malformed_goes_to_dlq_and_the_rest_is_written(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu)
    values = [reading(stream, seq) for seq in range(297)]
    for position, bad in zip((50, 150, 250), MALFORMED, strict=True):
        values.insert(position, bad)
    publish(tansu, stream.topic, values)
    processor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    seen = victoria_metrics.wait_for_seqs(stream.producer_id, set(range(297)))
    assert sorted(set(seen)) == list(range(297))
    assert processor.metric("processor_invalid_messages_total") == len(MALFORMED)
    forwarded = dlq_messages(tansu, stream.dlq_topic, len(MALFORMED))
    assert sorted(message.value for message in forwarded) == sorted(MALFORMED)
    assert all(dict(message.headers).get("error") for message in forwarded)
    assert processor.proc.poll() is None


def test_producer_sigterm_under_load_keeps_every_reading_it_counted_as_sent(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, tansu, victoria_metrics, lines=1, rate_hz=1)
    load = subprocess.Popen([sys.executable, "-m", "producer.loadgen", "--target", f"http://{run.producer.address}",
                             "--rate", "500", "--duration", "15", "--batch", "25"], stdout=subprocess.PIPE,
                            text=True, env=app_env({}))
    eventually(lambda: run.producer.metric("producer_ingest_requests_total") > 0, "load arriving",
               run.producer.log_tail)
    sent = run.stop_producer_and_count()  # SIGTERM while the load generator is still sending
    summary = json.loads(load.communicate(timeout=HANG_GUARD_S)[0])
    assert 0 < summary["accepted"] <= sent
    assert summary["refused"] > 0  # the load outlived the producer: refused, not silently dropped
    assert run.processor.proc.poll() is None
