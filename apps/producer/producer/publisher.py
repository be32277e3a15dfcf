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
STALL_S = 10.0  # readings outstanding with no acknowledgement for this long: Kafka is not taking them


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
        self._pending = 0
        self._last_ack = time.monotonic()

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
        """Connected, the latest delivery outcome was an acknowledgement, and readings do not sit
        unacknowledged for STALL_S (Kafka going away shows here long before sends time out)."""
        if self._client is None or not self._last_delivery_ok:
            return False
        return self._pending == 0 or time.monotonic() - self._last_ack < STALL_S

    def publish(self, line: str, speed_ms: float, state: str) -> bool:
        """Send one reading; False (and counted as failed) if the client refused it synchronously."""
        if self._client is None:
            return False
        with self._lock:  # one lock makes sequence order equal send order
            reading = Reading(time.time_ns(), line, speed_ms, state, self.producer_id, self._next_seq)
            self._next_seq += 1
            with self._counts:
                self._pending += 1
            try:
                future = self._client.send(self.kafka.topic, key=reading.key(), value=reading.encode())
            except KafkaError as error:
                self._on_error(reading, error)
                return False
        future.add_callback(self._on_sent, time.monotonic())
        future.add_errback(self._on_error, reading)
        if self.sampler.allow(line):
            log.info(f"Publishing reading. Line: {line} Speed: {speed_ms:.3f} m/s State: {state}", extra={"fields": {
                "line": line, "speed": speed_ms, "state": state, "topic": self.kafka.topic, "seq": reading.seq}})
        return True

    def _on_sent(self, started: float, _metadata: object) -> None:
        metrics.SEND_LATENCY.observe(time.monotonic() - started)
        metrics.SENT.inc()
        with self._counts:
            self.sent += 1
            self._pending -= 1
            self._last_ack = time.monotonic()
            self._last_delivery_ok = True
        self._pending = 0
        self._last_ack = time.monotonic()

    def _on_error(self, reading: Reading, error: BaseException) -> None:
        metrics.FAILED.inc()
        with self._counts:
            self.failed += 1
            self._pending -= 1
            self._last_delivery_ok = False
        if self.sampler.allow("\0send-failed"):  # one line a second, not one per reading in an outage
            log.error("Kafka send failed", extra={"fields": {"line": reading.line, "seq": reading.seq,
                                                            "topic": self.kafka.topic, "error": str(error)}})

    def close(self, timeout_s: float) -> int:
        """Flush what is buffered (up to `timeout_s`), then close; returns how many readings Kafka had not
        acknowledged by then. Those are dropped and counted as failed. Called once, after intake has stopped."""
        if self._client is None:
            return 0
        try:
            self._client.flush(timeout=timeout_s)
        except KafkaError as error:
            with self._counts:
                dropped, self._pending = self._pending, 0
                self.failed += dropped
            metrics.FAILED.inc(dropped)
            log.error(f"Flush timed out: {dropped} readings were not acknowledged and are dropped", extra={
                "fields": {"error": str(error), "topic": self.kafka.topic}})
            return dropped  # kafka-python's close() would flush again and raise; its sender thread is a daemon
        self._client.close(timeout=timeout_s)
        return 0
