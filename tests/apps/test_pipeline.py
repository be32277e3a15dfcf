"""End to end against real servers: every claim is checked by counting (producer, seq) pairs in the database."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.apps.helpers import Audit, StreamRun
from tests.fixtures.patience import eventually
from tests.fixtures.pipeline import AppLauncher
from tests.fixtures.servers import (
    Kafka,
    VictoriaMetrics,
    running,
    victoria_metrics_server,
)

pytestmark = pytest.mark.integration


def test_every_reading_produced_lands_exactly_once(tansu: Kafka, victoria_metrics: VictoriaMetrics,
                                                     launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, tansu, victoria_metrics)
    time.sleep(3)
    sent = run.stop_producer_and_count()  # none lost, none stored twice with different values (audit in the message)
    assert run.processor.metric("processor_messages_consumed_total") >= sent


def test_the_audit_counts_loss_replays_and_a_seq_stored_with_different_values() -> None:
    samples = [(0, "line-1", "running", 10), (0, "line-1", "running", 10), (1, "line-2", "running", 11),
               (1, "line-2", "stopped", 11), (3, "line-1", "running", 13), (9, "line-1", "running", 19)]
    audit = Audit.of(samples, sent=4)
    assert (audit.lost, audit.missing, audit.replayed, audit.unexpected) == (1, [2], 2, [9])
    assert audit.conflicting == {1: {("line-2", "running", 11), ("line-2", "stopped", 11)}}
    nothing_stored = Audit.of([], sent=30)
    assert (nothing_stored.lost, len(nothing_stored.missing)) == (30, 20)  # the count is whole, the list a sample


def test_processor_killed_mid_stream_and_restarted_loses_nothing(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, tansu, victoria_metrics)
    eventually(lambda: run.processor.metric("processor_influxdb_writes_total") > 0, "points written",
               run.processor.log_tail)
    run.processor.kill()  # SIGKILL: no commit, no leaving the group
    time.sleep(1)
    run.restart_processor()
    time.sleep(2)
    run.stop_producer_and_count()
    assert run.processor.proc.poll() is None


def test_processor_sigterm_mid_stream_leaves_the_group_and_its_successor_loses_nothing(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, tansu, victoria_metrics)
    time.sleep(2)
    first = run.processor
    assert first.terminate() == 0
    assert any(entry["message"] == "Processor stopped" for entry in first.logs())
    run.restart_processor().wait_ready()
    time.sleep(1)
    run.stop_producer_and_count()


def test_influxdb_down_for_ten_seconds_loses_nothing_and_processor_survives(
        tansu: Kafka, tmp_path: Path, launch_apps: AppLauncher) -> None:
    with running(victoria_metrics_server(tmp_path)) as server:
        run = StreamRun.start(launch_apps, tansu, VictoriaMetrics(server), rate_hz=10)
        time.sleep(1)
        server.stop()
        time.sleep(10)
        assert run.processor.proc.poll() is None, run.processor.log_tail()
        run.processor.wait_status("/readyz", 503)  # InfluxDB does not answer ping
        server.start()
        time.sleep(1)
        run.stop_producer_and_count()
        assert run.processor.metric("processor_influxdb_write_errors_total") > 0
        assert run.processor.proc.poll() is None
