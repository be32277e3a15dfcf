"""End to end against real servers: every claim is checked by counting (producer, seq) pairs in the database."""

from __future__ import annotations

import time

import pytest

from tests.apps.helpers import stopped_counts
from tests.fixtures.pipeline import AppLauncher, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics, running, victoria_metrics_server

pytestmark = pytest.mark.integration


def assert_all_stored_once(influx: VictoriaMetrics, stream: Stream, sent: int) -> None:
    """Distinct (producer, seq) pairs in the database are exactly the readings counted as sent."""
    seen = influx.wait_for_seqs(stream.producer_id, set(range(sent)))
    assert sorted(set(seen)) == list(range(sent)), f"missing: {sorted(set(range(sent)) - set(seen))[:20]}"


def test_every_reading_produced_lands_exactly_once(tansu: Kafka, victoria_metrics: VictoriaMetrics,
                                                     launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu)
    processor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    producer = launch_apps.start("producer", stream.producer_env(tansu, lines=3, rate_hz=20))
    producer.wait_ready()
    processor.wait_ready()
    time.sleep(3)
    assert producer.terminate() == 0
    sent, failed = stopped_counts(producer)
    assert failed == 0 and sent > 0
    assert_all_stored_once(victoria_metrics, stream, sent)
    assert processor.metric("processor_messages_consumed_total") >= sent


def test_processor_killed_mid_stream_and_restarted_loses_nothing(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu)
    producer = launch_apps.start("producer", stream.producer_env(tansu, lines=3, rate_hz=20))
    first = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    first.wait_ready()
    producer.wait_ready()
    time.sleep(2)
    assert first.metric("processor_influxdb_writes_total") > 0
    first.kill()  # SIGKILL: no commit, no leaving the group
    second = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    time.sleep(2)
    assert producer.terminate() == 0
    sent, failed = stopped_counts(producer)
    assert failed == 0
    assert_all_stored_once(victoria_metrics, stream, sent)
    assert second.proc.poll() is None


def test_influxdb_down_for_ten_seconds_loses_nothing_and_processor_survives(
        tansu: Kafka, tmp_path, launch_apps: AppLauncher) -> None:
    with running(victoria_metrics_server(tmp_path)) as server:
        influx = VictoriaMetrics(server)
        stream = Stream.create(tansu)
        processor = launch_apps.start("processor", stream.processor_env(tansu, influx))
        producer = launch_apps.start("producer", stream.producer_env(tansu, lines=3, rate_hz=10))
        processor.wait_ready()
        producer.wait_ready()
        time.sleep(1)
        server.stop()
        time.sleep(10)
        assert processor.proc.poll() is None, processor.log_tail()
        assert processor.get("/readyz") == 503  # InfluxDB does not answer ping
        server.start()
        time.sleep(1)
        assert producer.terminate() == 0
        sent, failed = stopped_counts(producer)
        assert failed == 0
        assert_all_stored_once(influx, stream, sent)
        assert processor.metric("processor_influxdb_write_errors_total") > 0
        assert processor.proc.poll() is None
