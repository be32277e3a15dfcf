"""The load generator against the real producer and a real local broker (Tansu): every reading it reports accepted
is in the topic (counted by consuming, since Tansu's end offsets under-count batched records), and behind one
address (a small round-robin TCP balancer standing in for the producer Service) every producer gets load."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import cycle

import pytest
from kafka import KafkaConsumer, TopicPartition
from producer.loadgen import ramped

from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream, app_env
from tests.fixtures.servers import Kafka

pytestmark = pytest.mark.integration
PARTITIONS = 3


def load(address: str, rate: int, duration_s: float, ramp_s: float) -> dict[str, int]:
    """Run `python -m producer.loadgen` as the Job does and return its JSON summary."""
    out = subprocess.run([sys.executable, "-m", "producer.loadgen", "--target", f"http://{address}", "--rate",
                          str(rate), "--duration", str(duration_s), "--ramp", str(ramp_s), "--batch", "20"],
                         capture_output=True, text=True, env=app_env({}), timeout=120, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def load_readings_per_producer(kafka: Kafka, topic: str) -> Counter[str]:
    """Readings of the load generator (lines `load-N`) in the topic, by the producer that published them."""
    consumer = KafkaConsumer(**kafka.client_options(), enable_auto_commit=False, consumer_timeout_ms=5000)
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        consumer.seek_to_beginning()
        readings = [json.loads(message.value) for message in consumer]
    finally:
        consumer.close()
    return Counter(r["producer"] for r in readings if r["line"].startswith("load-"))


def start_producer(launcher: AppLauncher, kafka: Kafka, stream: Stream, producer_id: str) -> AppProcess:
    app = launcher.start("producer", stream.producer_env(kafka, lines=1, rate_hz=1) | {"PRODUCER_ID": producer_id})
    app.wait_ready()
    return app


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with source, target:
        while data := source.recv(65536):
            target.sendall(data)


@contextmanager
def round_robin(*ports: int) -> Iterator[str]:
    """A TCP balancer on 127.0.0.1 handing each new connection to the next port, as a Service spreads them."""
    listener = socket.create_server(("127.0.0.1", 0))
    backends = cycle(ports)

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            backend = socket.create_connection(("127.0.0.1", next(backends)))
            for a, b in ((client, backend), (backend.dup(), client.dup())):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def test_every_reading_the_load_generator_reports_accepted_is_in_the_topic(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu, partitions=PARTITIONS)
    producer = start_producer(launch_apps, tansu, stream, "producer-a")
    summary = load(producer.address, rate=400, duration_s=2, ramp_s=1)
    assert producer.terminate() == 0  # flushes what it accepted
    assert summary["accepted"] > 0 and summary["refused"] == summary["failed_requests"] == 0
    assert summary["sent"] == summary["accepted"]
    assert load_readings_per_producer(tansu, stream.topic) == {"producer-a": summary["accepted"]}


def test_two_producers_behind_one_address_both_get_load_and_none_is_lost(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu, partitions=PARTITIONS)
    apps = [start_producer(launch_apps, tansu, stream, f"producer-{name}") for name in ("a", "b")]
    with round_robin(*(app.port for app in apps)) as address:
        summary = load(address, rate=400, duration_s=2, ramp_s=0)
    per_app = [app.metric("producer_ingest_readings_total") for app in apps]
    assert all(app.terminate() == 0 for app in apps)
    assert all(count > 0 for count in per_app) and sum(per_app) == summary["accepted"] == summary["sent"]
    in_topic = load_readings_per_producer(tansu, stream.topic)
    assert set(in_topic) == {"producer-a", "producer-b"} and sum(in_topic.values()) == summary["accepted"]


def test_the_ramp_rises_linearly_from_a_tenth_to_the_full_rate() -> None:
    assert ramped(1000, 0, 10) == 100
    assert ramped(1000, 5, 10) == 500
    assert ramped(1000, 10, 10) == ramped(1000, 99, 10) == ramped(1000, 0, 0) == 1000
