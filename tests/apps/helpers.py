"""Small helpers shared by the app tests."""

from __future__ import annotations

import json
import time

from kafka import KafkaProducer

from tests.fixtures.pipeline import AppProcess, Stream
from tests.fixtures.servers import Kafka


def stopped_counts(producer: AppProcess) -> tuple[int, int]:
    """(sent, failed) from the producer's last log line, written after it flushed on SIGTERM."""
    final = [entry for entry in producer.logs() if entry["message"] == "Producer stopped"]
    assert final, f"the producer did not log its stop:\n{producer.log_tail()}"
    return int(final[-1]["sent"]), int(final[-1]["failed"])


def reading(stream: Stream, seq: int) -> bytes:
    """A valid reading as the producer would publish it (event time now: VictoriaMetrics drops samples older
    than its retention), for tests that write to the topic directly."""
    return json.dumps({"event_time_ns": time.time_ns(), "line": f"line-{seq % 3}",
                       "speed_ms": 0.2, "state": "running", "producer": stream.producer_id, "seq": seq}).encode()


def publish(kafka: Kafka, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(acks="all", **kafka.client_options())
    try:
        for value in values:
            producer.send(topic, key=b"k", value=value)
        producer.flush(timeout=20)
    finally:
        producer.close()
