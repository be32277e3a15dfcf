"""The producer recovers by itself from a broker restart: it is ready again soon after the broker returns, and
every reading it took after the restart began, including those waiting unacknowledged when the broker went
away, is in the database. Tansu keeps topics in memory, so the restarted broker is empty (its topics are made
again, as the topic job would); the readings acknowledged before the restart are gone with it, which is Tansu's
doing and not counted."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.apps.helpers import stopped_counts
from tests.fixtures.patience import CALL_GUARD_S, eventually
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics, running, tansu_server

pytestmark = pytest.mark.integration


def post_readings(app: AppProcess, count: int) -> int:
    """POST `count` readings; how many the producer accepted (0 when it refused the request)."""
    body = json.dumps([{"line": f"load-{n % 3}", "speed_ms": 0.2, "state": "running"} for n in range(count)])
    request = urllib.request.Request(f"http://{app.address}/events", data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=CALL_GUARD_S) as response:
            return int(json.load(response)["accepted"])
    except urllib.error.HTTPError:
        return 0


def test_producer_recovers_from_a_broker_restart_and_every_reading_taken_after_it_is_stored(
        tmp_path: Path, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    with running(tansu_server(tmp_path)) as broker:
        kafka = Kafka(f"127.0.0.1:{broker.port}")
        stream = Stream.create(kafka)
        # Readings come only from POST /events (one simulated tick per 100 s), so `before` is exact.
        producer = launch_apps.start("producer", stream.producer_env(kafka, lines=1, rate_hz=0.01))
        producer.wait_ready()
        assert post_readings(producer, 20) == 20
        eventually(lambda: producer.metric("producer_messages_unacknowledged") == 0, "all acknowledged",
                   producer.log_tail)
        before = int(producer.metric("producer_messages_sent_total"))
        broker.stop()
        in_outage = post_readings(producer, 50)  # taken before the stall shows: held and resent later
        time.sleep(3)
        broker.start()
        kafka.create_topics(stream.topic, stream.dlq_topic)
        producer.wait_ready()
        after = post_readings(producer, 100)
        time.sleep(2)
        assert producer.terminate() == 0, producer.log_tail()
        sent, lost = stopped_counts(producer)
        assert (lost, in_outage, after, sent) == (0, 50, 100, before + 150)
        processor = launch_apps.start("processor", stream.processor_env(kafka, victoria_metrics))
        expected = set(range(before, sent))
        seen = victoria_metrics.wait_for_seqs(stream.producer_id, expected)
        missing = sorted(expected - set(seen))
        assert not missing, f"{len(missing)} missing, first {missing[:20]}:\n{processor.log_tail()}"
