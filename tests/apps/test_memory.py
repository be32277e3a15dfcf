"""Memory is bounded whatever the input: 200,000 distinct line ids through the real processor (before the caps,
they took it from 52 to 662 MB, over its 256Mi container limit), with its RSS sampled the whole time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conveyor_common.reading import Reading
from kafka import KafkaProducer

from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import (
    Kafka,
    VictoriaMetrics,
    running,
    victoria_metrics_server,
)

pytestmark = pytest.mark.integration

DISTINCT_LINES = 200_000
RSS_BOUND_MIB = 200  # under the 256Mi limit with room for the interpreter's own drift
MAX_LINES = 10_000  # the ANALYTICS_MAX_LINES default


def rss_mib(app: AppProcess) -> float:
    status = Path(f"/proc/{app.proc.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def publish_distinct_lines(kafka: Kafka, stream: Stream) -> None:
    sender = KafkaProducer(acks=1, linger_ms=50, batch_size=512 * 1024, **kafka.client_options())
    now = time.time_ns()
    for seq in range(DISTINCT_LINES):
        reading = Reading(now + seq, f"line-{seq}", 0.2, "running", stream.producer_id, seq)
        sender.send(stream.topic, key=reading.key(), value=reading.encode())
    sender.flush(timeout=120)
    sender.close()


def test_two_hundred_thousand_distinct_line_ids_keep_the_processor_rss_bounded(
        tansu: Kafka, tmp_path: Path, launch_apps: AppLauncher) -> None:
    """Its own victoria-metrics, told to keep at most 1000 new series an hour: it still answers every write 204
    (so the processor goes at full speed) without building 1.6 million series (8 fields x 200,000 lines) that
    only this test would pay for. What is stored is not this test's subject; the other tests count it."""
    with running(victoria_metrics_server(tmp_path, flags=("-storage.maxHourlySeries=1000",))) as server:
        check_rss_bounded(tansu, VictoriaMetrics(server), launch_apps)


def check_rss_bounded(tansu: Kafka, influx: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu)
    processor = launch_apps.start("processor", stream.processor_env(tansu, influx))
    processor.wait_status("/healthz", 200)
    sending = threading.Thread(target=publish_distinct_lines, args=(tansu, stream))
    sending.start()
    samples = []
    deadline = time.monotonic() + 180
    while processor.metric("processor_influxdb_writes_total") < DISTINCT_LINES and time.monotonic() < deadline:
        assert processor.proc.poll() is None, processor.log_tail()
        samples.append(rss_mib(processor))
        time.sleep(0.5)
    sending.join(60)
    assert processor.metric("processor_influxdb_writes_total") == DISTINCT_LINES, processor.log_tail()
    assert max(samples) < RSS_BOUND_MIB, f"RSS peaked at {max(samples):.0f} MiB"
    assert processor.metric("processor_analytics_lines") <= MAX_LINES
    assert processor.metric("processor_analytics_evictions_total") >= DISTINCT_LINES - MAX_LINES
