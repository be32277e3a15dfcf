"""Asynchronous, batched, idempotent publishing to Kafka, with outcomes counted from the delivery callbacks."""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaError

from conveyor_common.env import KafkaSettings
from conveyor_common.logs import Sampler
from conveyor_common.reading import Reading

from producer import metrics

log = logging.getLogger("producer")


class Publisher:
    """Stamps producer id and sequence number, sends, and counts what the broker acknowledged or refused."""

    def __init__(self, kafka: KafkaSettings, producer_id: str) -> None:
        self.kafka = kafka
        self.producer_id = producer_id
        self.sampler = Sampler()
        self._client: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._counts = threading.Lock()
        self._next_seq = 0
        self.sent = 0
        self.failed = 0
        self._last_delivery_ok = True

    def connect(self, stop: threading.Event, backoff_s: float = 2.0) -> bool:
        """Create the client, retrying until Kafka answers or `stop` is set; False if stopped first."""
        while not stop.is_set():
            try:
                # A send waits at most max_block_ms for metadata or buffer space; with the flush timeout that keeps
                # SIGTERM within the pod's grace period even while Kafka is away.
                self._client = KafkaProducer(
                    acks="all", enable_idempotence=True, linger_ms=20, batch_size=64 * 1024,
                    max_block_ms=5_000, **self.kafka.client_options())
                log.info("Connected to Kafka", extra={"fields": {"topic": self.kafka.topic}})
                return True
            except KafkaError as error:
                log.warning("Kafka is not reachable yet; retrying", extra={"fields": {"error": str(error)}})
                stop.wait(backoff_s)
        return False

    def ready(self) -> bool:
        """Connected, and the latest delivery outcome (if any) was an acknowledgement from Kafka."""
        return self._client is not None and self._last_delivery_ok

    def publish(self, line: str, speed_ms: float, state: str) -> bool:
        """Send one reading; False (and counted as failed) if the client refused it synchronously."""
        if self._client is None:
            return False
        with self._lock:  # one lock makes sequence order equal send order
            reading = Reading(time.time_ns(), line, speed_ms, state, self.producer_id, self._next_seq)
            self._next_seq += 1
            try:
                future = self._client.send(self.kafka.topic, key=reading.key(), value=reading.encode())
            except KafkaError as error:
                self._on_error(reading, error)
                return False
        future.add_callback(self._on_sent, time.monotonic())
        future.add_errback(self._on_error, reading)
        if self.sampler.allow(line):
            log.info(f"Reading sent. Line: {line} Speed: {speed_ms:.3f} m/s State: {state}", extra={"fields": {
                "line": line, "speed": speed_ms, "state": state, "topic": self.kafka.topic, "seq": reading.seq}})
        return True

    def _on_sent(self, started: float, _metadata: object) -> None:
        metrics.SEND_LATENCY.observe(time.monotonic() - started)
        metrics.SENT.inc()
        with self._counts:
            self.sent += 1
            self._last_delivery_ok = True

    def _on_error(self, reading: Reading, error: BaseException) -> None:
        metrics.FAILED.inc()
        with self._counts:
            self.failed += 1
            self._last_delivery_ok = False
        log.error("Kafka send failed", extra={"fields": {
            "line": reading.line, "seq": reading.seq, "topic": self.kafka.topic, "error": str(error)}})

    def close(self, timeout_s: float) -> None:
        """Flush whatever is buffered, then close; called once, after intake has stopped."""
        if self._client is not None:
            self._client.flush(timeout=timeout_s)
            self._client.close(timeout=timeout_s)
