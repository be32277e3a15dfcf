"""Memory is bounded whatever the input: 200,000 distinct line ids through the real processor (before the caps,
they took it from 52 to 662 MB, over its 256Mi container limit), with its RSS sampled the whole time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conveyor_common.reading import Reading
from kafka import KafkaProducer

from tests.fixtures.patience import HANG_GUARD_S
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
    sender.flush(timeout=HANG_GUARD_S)
    sender.close()


@pytest.mark.timeout(1200)  # the suite's 300 s hang guard is short for 200,000 writes on a busy machine
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
    # Hang guard on progress, not on the whole run: a busy machine may take many minutes for 200,000 writes, but
    # as long as writes keep growing the processor is working.
    written, progress_at = -1.0, time.monotonic()
    while (now_written := processor.metric("processor_influxdb_writes_total")) < DISTINCT_LINES:
        if now_written > written:
            written, progress_at = now_written, time.monotonic()
        elif time.monotonic() - progress_at > HANG_GUARD_S:
            break
        assert processor.proc.poll() is None, processor.log_tail()
        samples.append(rss_mib(processor))
        time.sleep(0.5)
    sending.join(HANG_GUARD_S)
    assert processor.metric("processor_influxdb_writes_total") == DISTINCT_LINES, processor.log_tail()
    assert max(samples) < RSS_BOUND_MIB, f"RSS peaked at {max(samples):.0f} MiB"
    assert processor.metric("processor_analytics_lines") <= MAX_LINES
    assert processor.metric("processor_analytics_evictions_total") >= DISTINCT_LINES - MAX_LINES
