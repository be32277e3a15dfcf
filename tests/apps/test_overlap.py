"""The processor writes one batch while it polls the next, yet commits a batch's offsets only once InfluxDB
accepted it: with InfluxDB's answer held back (the real sink behind a gate), it polls and prepares the next batch
and commits nothing; once InfluxDB answers, every offset is committed, in order. And a rebalance mid-stream (a
second member joining) loses nothing and replays nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from processor import metrics
from processor.pipeline import Pipeline
from processor.settings import InfluxSettings, load
from processor.sink import InfluxSink

from tests.apps.helpers import Audit, StreamRun, publish, reading
from tests.fixtures.pipeline import AppLauncher, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics

pytestmark = pytest.mark.integration


class GatedSink(InfluxSink):
    """The real sink, each write held until the gate opens (InfluxDB answering late)."""

    def __init__(self, settings: InfluxSettings, gate: threading.Event) -> None:
        super().__init__(settings)
        self.gate = gate

    def write(self, points: list[str]) -> dict[int, str]:
        self.gate.wait(60)
        return super().write(points)


def consumed() -> float:
    return metrics.REGISTRY.get_sample_value("processor_messages_consumed_total") or 0.0


def committed(kafka: Kafka, group: str, tp: TopicPartition) -> int | None:
    """The group's committed offset, read by a client that does not join the group."""
    reader = KafkaConsumer(group_id=group, enable_auto_commit=False, **kafka.client_options())
    try:
        return reader.committed(tp)
    finally:
        reader.close(autocommit=False)


def wait_until(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_next_batch_is_polled_during_a_write_and_offsets_are_committed_only_after_it(
        tansu: Kafka, victoria_metrics: VictoriaMetrics) -> None:
    stream = Stream.create(tansu, partitions=1)
    tp = TopicPartition(stream.topic, 0)
    publish(tansu, stream.topic, [reading(stream, seq) for seq in range(30)])
    settings = load(stream.processor_env(tansu, victoria_metrics) | {"KAFKA_MAX_POLL_RECORDS": "10"})
    gate, stop = threading.Event(), threading.Event()
    sink = GatedSink(settings.influx, gate)
    pipeline = Pipeline(settings, sink, stop)
    assert pipeline.connect()
    before = consumed()
    running = threading.Thread(target=pipeline.run)
    running.start()
    try:
        wait_until(lambda: consumed() >= before + 20)  # the second batch polled while the first is being written
        time.sleep(1)  # time enough to commit, were it not waiting for the write
        assert consumed() == before + 20 and committed(tansu, stream.group, tp) is None
        gate.set()
        seen = victoria_metrics.wait_for_seqs(stream.producer_id, set(range(30)), timeout_s=60)
        assert set(seen) == set(range(30))
        wait_until(lambda: committed(tansu, stream.group, tp) == 30)
    finally:
        gate.set()
        stop.set()
        running.join(timeout=30)
        pipeline.close()
        sink.close()
    assert not running.is_alive()


def test_a_second_processor_joining_mid_stream_takes_partitions_over_with_nothing_lost_or_replayed(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    """A rebalance while batches are in flight: every reading the producer counted is stored, none with two
    different values, and both members carry on writing. The first member commits what it delivered before it
    gives partitions up (kafka-python calls that hand-over on its network thread, where a blocking commit raised,
    which made poll() fail and the next owner replay what had been written), so no reading is stored twice."""
    run = StreamRun.start(launch_apps, tansu, victoria_metrics, lines=12, rate_hz=50)
    wait_until(lambda: run.processor.metric("processor_influxdb_writes_total") > 0)
    second = launch_apps.start("processor", run.stream.processor_env(tansu, victoria_metrics))
    second.wait_ready()
    wait_until(lambda: second.metric("processor_influxdb_writes_total") > 0)
    before = run.processor.metric("processor_influxdb_writes_total")
    wait_until(lambda: run.processor.metric("processor_influxdb_writes_total") > before)  # both members write
    sent = run.stop_producer_and_count()
    assert run.processor.proc.poll() is None and second.proc.poll() is None
    assert run.processor.metric("processor_poll_errors_total") == 0, run.processor.log_tail()
    audit = Audit.of(victoria_metrics.seq_samples(run.stream.producer_id), sent)
    assert audit.replayed == 0, audit
