"""Asynchronous, batched, idempotent publishing to Kafka that recovers by itself.

Every reading is kept until the broker acknowledges it. When the client fails (after a broker restart an
idempotent producer gets UnknownProducerId, then InitProducerId errors for good) or stops getting
acknowledgements, a supervisor thread replaces it with a new client (a new producer id) and resends what was not
acknowledged, in sequence order, with its original seq and event time, so a reading stored twice is stored with
the same values. A reading that MAX_ATTEMPTS clients could not deliver, or that is still unacknowledged when the
flush at shutdown times out, is lost and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from conveyor_common.env import KafkaSettings
from conveyor_common.logs import Sampler
from conveyor_common.reading import Reading
from kafka import KafkaProducer
from kafka.errors import KafkaError

from producer import metrics

log = logging.getLogger("producer")
STALL_S = 10.0  # readings unacknowledged this long with no acknowledgement at all: the client is replaced
MAX_ATTEMPTS = 5  # clients a reading is sent with before it counts as lost
TICK_S = 0.5  # how often the supervisor looks
RECONNECT_BACKOFF_S = 2.0
LATENCY_SAMPLE = 8  # one reading in 8 is timed for the latency histogram: the distribution, at an 8th the cost


@dataclass(frozen=True)
class DeliverySettings:
    wedged_after_s: float  # not ready for this long: /healthz answers 503 so the kubelet restarts the pod
    max_unacked: int  # readings held for (re)delivery; beyond it new readings are refused, not buffered


@dataclass(slots=True)
class Unacked:
    key: bytes
    value: bytes
    attempts: int = 1


class Publisher:
    """Stamps producer id and sequence number, sends, and keeps each reading until it is acknowledged."""

    def __init__(self, kafka: KafkaSettings, producer_id: str, delivery: DeliverySettings) -> None:
        self.kafka = kafka
        self.producer_id = producer_id
        self.delivery = delivery
        self.sampler = Sampler()
        self._client: KafkaProducer | None = None
        self._generation = 0  # which client a callback belongs to
        self._broken: str | None = None  # why the current client must be replaced
        self._send_lock = threading.Lock()  # sequence order = send order; held while a client is replaced
        self._acks = threading.Lock()  # the unacknowledged readings and the counts, shared with callbacks
        self._unacked: dict[int, Unacked] = {}
        self._next_seq = 0
        self._last_progress = time.monotonic()  # the latest acknowledgement, or when readings started waiting
        self._ready_at = time.monotonic()  # the latest time ready() held (or the start)
        self._retry_at = 0.0
        self._halt = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="kafka-supervisor", daemon=True)
        self.sent = 0
        self.lost = 0
        self.resent = 0
        metrics.UNACKED.set_function(lambda: len(self._unacked))

    def start(self) -> None:
        """Connect (and reconnect, and recover) in the background from now on."""
        self._supervisor.start()

    def ready(self) -> bool:
        """A working client, and readings do not sit unacknowledged for STALL_S (Kafka going away shows here
        long before sends time out)."""
        if self._client is None or self._broken is not None:
            return False
        return not self._unacked or time.monotonic() - self._last_progress < STALL_S

    def healthy(self) -> bool:
        """False once the publisher has not been ready for wedged_after_s: a restart is the remedy left."""
        return time.monotonic() - self._ready_at < self.delivery.wedged_after_s

    def publish(self, line: str, speed_ms: float, state: str) -> bool:
        """Take one reading for delivery; False (and nothing taken) while Kafka is not taking readings."""
        if self._client is None or self._broken is not None or len(self._unacked) >= self.delivery.max_unacked:
            return False
        with self._send_lock:
            client, generation = self._client, self._generation
            if client is None:
                return False
            reading = Reading(time.time_ns(), line, speed_ms, state, self.producer_id, self._next_seq)
            self._next_seq += 1
            pending = Unacked(reading.key(), reading.encode())
            if not self._unacked:  # (a race with the last acknowledgement only moves the stall clock earlier)
                self._last_progress = time.monotonic()
            self._unacked[reading.seq] = pending  # one dict store is atomic: no lock on the hot path
            self._send(client, generation, reading.seq, pending)
        if self.sampler.allow(line):
            log.info(f"Publishing reading. Line: {line} Speed: {speed_ms:.3f} m/s State: {state}", extra={"fields": {
                "line": line, "speed": speed_ms, "state": state, "topic": self.kafka.topic, "seq": reading.seq}})
        return True

    def _send(self, client: KafkaProducer, generation: int, seq: int, pending: Unacked) -> None:
        """Hand one reading to the client (under the send lock); a refusal marks the client for replacement."""
        try:
            future = client.send(self.kafka.topic, key=pending.key, value=pending.value)
        except KafkaError as error:
            self._on_error(generation, error)
            return
        future.add_callback(self._on_sent, seq, time.monotonic() if seq % LATENCY_SAMPLE == 0 else 0.0)
        future.add_errback(self._on_error, generation)

    def _on_sent(self, seq: int, started: float, _metadata: object) -> None:
        """An acknowledgement (on the client's sender thread, which competes with sending for the GIL: kept
        short)."""
        now = time.monotonic()
        with self._acks:
            if self._unacked.pop(seq, None) is None:
                return  # acknowledged already, through another client
            self.sent += 1
            self._last_progress = now
        if started:
            metrics.SEND_LATENCY.observe(now - started)
        metrics.SENT.inc()

    def _on_error(self, generation: int, error: BaseException) -> None:
        """A failed delivery: the reading stays unacknowledged, and the client that failed it is replaced."""
        if generation == self._generation and self._broken is None:
            self._broken = f"{type(error).__name__}: {error}"
        if self.sampler.allow("\0send-failed"):  # one line a second, not one per reading in an outage
            log.error("Kafka send failed; the reading is kept and resent", extra={"fields": {
                "topic": self.kafka.topic, "error": f"{type(error).__name__}: {error}"}})

    def _supervise(self) -> None:
        while not self._halt.wait(TICK_S):
            now = time.monotonic()
            if self.ready():
                self._ready_at = now
                continue
            if now >= self._retry_at:
                self._replace_client(self._broken or ("not connected" if self._client is None else
                                                      f"no acknowledgement for {STALL_S:.0f} s"))

    def _replace_client(self, reason: str) -> None:
        """Close the client, create a new one and resend every unacknowledged reading through it."""
        self._broken = reason
        with self._send_lock:
            old, self._client = self._client, None
            self._generation += 1
            if old is not None:
                close_quietly(old)
            try:
                # A send waits at most max_block_ms for metadata or buffer space; with the flush timeout that keeps
                # SIGTERM within the pod's grace period even while Kafka is away.
                client = KafkaProducer(acks="all", enable_idempotence=True, linger_ms=20, batch_size=64 * 1024,
                                       max_block_ms=5_000, **self.kafka.client_options())
            except KafkaError as error:
                self._retry_at = time.monotonic() + RECONNECT_BACKOFF_S
                log.warning("Kafka is not reachable; retrying", extra={"fields": {"error": str(error)}})
                return
            resent = self._resend(client, self._generation)
            self._client, self._broken, self._last_progress = client, None, time.monotonic()
        if old is None and self._generation == 1:
            log.info("Connected to Kafka", extra={"fields": {"topic": self.kafka.topic}})
        else:
            metrics.CLIENT_RESTARTS.inc()
            log.warning("Kafka client replaced; unacknowledged readings resent", extra={"fields": {
                "reason": reason, "resent": resent, "topic": self.kafka.topic}})

    def _resend(self, client: KafkaProducer, generation: int) -> int:
        """Send the unacknowledged readings again, oldest first; those out of attempts are lost."""
        with self._acks:
            waiting = sorted(self._unacked.items())
            expired = [seq for seq, pending in waiting if pending.attempts >= MAX_ATTEMPTS]
            for seq in expired:
                del self._unacked[seq]
            self.lost += len(expired)
        if expired:
            metrics.FAILED.inc(len(expired))
            log.error(f"{len(expired)} readings lost: {MAX_ATTEMPTS} Kafka clients could not deliver them",
                      extra={"fields": {"lost": len(expired), "topic": self.kafka.topic}})
        resent = 0
        for seq, pending in waiting:
            if pending.attempts < MAX_ATTEMPTS:
                pending.attempts += 1
                self._send(client, generation, seq, pending)
                resent += 1
        self.resent += resent
        metrics.RESENT.inc(resent)
        return resent

    def close(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for every reading to be acknowledged (recovering meanwhile if need be), then
        close; returns how many were still unacknowledged. Those are lost and counted. Called once, after intake
        has stopped."""
        deadline = time.monotonic() + timeout_s
        while self._unacked and time.monotonic() < deadline:
            time.sleep(0.05)
        self._halt.set()
        self._supervisor.join(timeout=1)  # a daemon, possibly inside a connection attempt: not waited out
        with self._acks:
            dropped = len(self._unacked)
            self._unacked.clear()
            self.lost += dropped
        if dropped:
            metrics.FAILED.inc(dropped)
            log.error(f"Flush timed out: {dropped} readings were not acknowledged and are lost", extra={
                "fields": {"dropped": dropped, "topic": self.kafka.topic}})
        elif self._client is not None:
            self._client.close(timeout=5)
        return dropped


def close_quietly(client: KafkaProducer) -> None:
    """Close a failed client without waiting for it: its readings are resent through the next one (its late
    callbacks are told apart by generation)."""
    try:
        client.close(timeout=0)
    except Exception as error:  # a client in a fatal state may raise on close; it is dropped anyway
        log.warning("Closing the failed Kafka client raised", extra={"fields": {"error": str(error)}})
