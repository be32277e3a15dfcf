"""Asynchronous, batched, idempotent publishing to Kafka that recovers by itself.

Every reading is kept, in send order, until the broker acknowledges it. When the client fails (after a broker
restart an idempotent producer gets UnknownProducerId, then InitProducerId errors for good) or stops getting
acknowledgements, a supervisor thread replaces it with a new client (a new producer id) and resends what was not
acknowledged, in sequence order, with its original seq and event time, so a reading stored twice is stored with
the same values. A reading that MAX_ATTEMPTS clients could not deliver, or that is still unacknowledged when the
flush at shutdown times out, is lost and counted.

Acknowledgements are collected, not called back: the supervisor looks at the oldest readings' futures every
REAP_S and drops those the broker acknowledged. A callback per reading (run on kafka-python's sender thread,
which competes with sending for the GIL) cost about a tenth of the producer's throughput.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conveyor_common.env import KafkaSettings
from conveyor_common.reading import Reading
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata

from producer import metrics

log = logging.getLogger("producer")
STALL_S = 10.0  # the oldest held reading unacknowledged this long (no progress): the client is replaced
MAX_ATTEMPTS = 5  # clients a reading is sent with before it counts as lost
REAP_S = 0.05  # how often the supervisor collects acknowledgements and looks at the client
RECONNECT_BACKOFF_S = 2.0
LATENCY_SAMPLE = 8  # one reading in 8 is timed for the latency histogram: the distribution, at an 8th the cost
# The client's settings (the benchmark's bare send loop uses the same). A send waits at most max_block_ms for
# metadata or buffer space; with the flush timeout that keeps SIGTERM within the pod's grace period even while
# Kafka is away.
CLIENT_OPTIONS: dict[str, Any] = {"acks": "all", "enable_idempotence": True, "linger_ms": 20,
                                  "batch_size": 64 * 1024, "max_block_ms": 5_000}

# A reading held until acknowledged: (seq, key, value, attempts, future). A plain tuple, one per reading on the
# hot path; the future is None when the client refused the send (the client is then replaced and it is resent).
Pending = tuple[int, bytes, bytes, int, FutureRecordMetadata | None]
Sample = tuple[str, float, str]  # what a reading is made of: line, speed (m/s), state


@dataclass(frozen=True)
class DeliverySettings:
    wedged_after_s: float  # not ready for this long: /healthz answers 503 so the kubelet restarts the pod
    max_unacked: int  # readings held for (re)delivery; beyond it new readings are refused, not buffered


class Publisher:
    """Stamps producer id and sequence number, sends, and keeps each reading until it is acknowledged."""

    def __init__(self, kafka: KafkaSettings, producer_id: str, delivery: DeliverySettings) -> None:
        self.kafka = kafka
        self.producer_id = producer_id
        self.delivery = delivery
        self._client: KafkaProducer | None = None
        self._broken: str | None = None  # why the current client must be replaced
        self._send_lock = threading.Lock()  # sequence order = send order; held while a client is replaced
        self._reap_lock = threading.Lock()  # one collector of acknowledgements at a time
        self._pending: deque[Pending] = deque()  # oldest first; appended under the send lock
        self._next_seq = 0
        self._last_progress = time.monotonic()  # the latest acknowledgement, or when readings started waiting
        self._ready_at = time.monotonic()  # the latest time ready() held (or the start)
        self._retry_at = 0.0
        self._clients = 0  # created so far: the first one connects, the others replace
        self._halt = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="kafka-supervisor", daemon=True)
        self.sent = 0
        self.lost = 0
        self.resent = 0
        metrics.UNACKED.set_function(lambda: len(self._pending))

    def start(self) -> None:
        """Connect (and reconnect, and recover) in the background from now on."""
        self._supervisor.start()

    def ready(self) -> bool:
        """A working client, and the oldest held reading has not waited STALL_S without progress (Kafka going
        away shows here long before sends time out)."""
        if self._client is None or self._broken is not None:
            return False
        return not self._pending or time.monotonic() - self._last_progress < STALL_S

    def healthy(self) -> bool:
        """False once the publisher has not been ready for wedged_after_s: a restart is the remedy left."""
        return time.monotonic() - self._ready_at < self.delivery.wedged_after_s

    def publish_many(self, samples: Iterable[Sample], logged: Callable[[str], bool] | None) -> int:
        """Take readings for delivery, in order, until Kafka stops taking them; returns how many were taken.
        `logged(line)` says whether a reading is logged (None: none is). One lock and one look at the client for
        them all (a tick of the simulation, one reading per line, or a POST request), and `samples` is read
        only as far as readings are taken (a tick's lines are stepped as they are published)."""
        client, pending, max_unacked = self._client, self._pending, self.delivery.max_unacked
        taken, logs = 0, []
        with self._send_lock:
            if client is None or client is not self._client:
                return 0  # not connected, or replaced meanwhile
            for line, speed_ms, state in samples:
                if self._broken is not None:
                    break  # the client failed a send: it is replaced before readings are taken again
                if len(pending) >= max_unacked:
                    self.collect()  # full of readings that may have been acknowledged since the last look
                    if len(pending) >= max_unacked:
                        break
                seq = self._next_seq
                self._next_seq = seq + 1
                reading = Reading(time.time_ns(), line, speed_ms, state, self.producer_id, seq)
                self._send(client, seq, reading.key(), reading.encode(), 1)
                taken += 1
                if logged is not None and logged(line):
                    logs.append((line, speed_ms, state, seq))
        for line, speed_ms, state, seq in logs:
            log.info(f"Publishing reading. Line: {line} Speed: {speed_ms:.3f} m/s State: {state}", extra={"fields": {
                "line": line, "speed": speed_ms, "state": state, "topic": self.kafka.topic, "seq": seq}})
        return taken

    def _send(self, client: KafkaProducer, seq: int, key: bytes, value: bytes, attempts: int) -> None:
        """Hand one reading to the client (under the send lock) and hold it; a refusal marks the client for
        replacement, and the reading is resent through the next one."""
        future: FutureRecordMetadata | None
        try:
            future = client.send(self.kafka.topic, value, key)
        except KafkaError as error:
            future = None
            self._fail(error)
        else:
            if seq % LATENCY_SAMPLE == 0:
                future.add_callback(observe_latency, time.monotonic())
        self._pending.append((seq, key, value, attempts, future))

    def collect(self) -> None:
        """Drop the readings the broker acknowledged from the head of the queue (oldest first) and count them;
        a failed one marks the client for replacement (it and everything after it are resent)."""
        pending, acked, failure = self._pending, 0, None
        with self._reap_lock:
            while pending:
                future = pending[0][4]
                if future is None or not future.is_done:
                    break
                if future.exception is not None:
                    failure = future.exception
                    break
                pending.popleft()
                acked += 1
            self.sent += acked
            if acked or not pending:
                self._last_progress = time.monotonic()
        if acked:
            metrics.SENT.inc(acked)
        if failure is not None:
            self._fail(failure)

    def _fail(self, error: BaseException) -> None:
        """A failed delivery: the readings stay held, and the client that failed them is replaced."""
        if self._broken is None:
            self._broken = f"{type(error).__name__}: {error}"
            log.error("Kafka send failed; unacknowledged readings are kept and resent", extra={"fields": {
                "topic": self.kafka.topic, "error": self._broken}})

    def _supervise(self) -> None:
        while not self._halt.wait(REAP_S):
            self.collect()
            now = time.monotonic()
            if self.ready():
                self._ready_at = now
                continue
            if now >= self._retry_at:
                self._replace_client(self._broken or ("not connected" if self._client is None else
                                                      f"no progress for {STALL_S:.0f} s"))

    def _replace_client(self, reason: str) -> None:
        """Close the client, create a new one and resend every unacknowledged reading through it."""
        self._broken = reason
        with self._send_lock:
            old, self._client = self._client, None
            if old is not None:
                close_quietly(old)
            try:
                client = KafkaProducer(**CLIENT_OPTIONS, **self.kafka.client_options())
            except KafkaError as error:
                self._retry_at = time.monotonic() + RECONNECT_BACKOFF_S
                log.warning("Kafka is not reachable; retrying", extra={"fields": {"error": str(error)}})
                return
            self._broken = None  # from here a refused resend marks the new client
            resent = self._resend(client)
            self._client, self._last_progress = client, time.monotonic()
        self._clients += 1
        if self._clients == 1:
            log.info("Connected to Kafka", extra={"fields": {"topic": self.kafka.topic}})
        else:
            metrics.CLIENT_RESTARTS.inc()
            log.warning("Kafka client replaced; unacknowledged readings resent", extra={"fields": {
                "reason": reason, "resent": resent, "topic": self.kafka.topic}})

    def _resend(self, client: KafkaProducer) -> int:
        """Send the held readings again, oldest first, except those the old client got acknowledged (counted as
        sent) and those out of attempts (lost)."""
        with self._reap_lock:
            waiting = list(self._pending)
            self._pending.clear()
        acked = sum(1 for *_, future in waiting if future is not None and future.succeeded())
        retry = [held for held in waiting if held[4] is None or not held[4].succeeded()]
        expired = sum(1 for held in retry if held[3] >= MAX_ATTEMPTS)
        self.sent += acked
        metrics.SENT.inc(acked)
        if expired:
            self.lost += expired
            metrics.FAILED.inc(expired)
            log.error(f"{expired} readings lost: {MAX_ATTEMPTS} Kafka clients could not deliver them",
                      extra={"fields": {"lost": expired, "topic": self.kafka.topic}})
        resent = 0
        for seq, key, value, attempts, _ in retry:
            if attempts < MAX_ATTEMPTS:
                self._send(client, seq, key, value, attempts + 1)
                resent += 1
        self.resent += resent
        metrics.RESENT.inc(resent)
        return resent

    def close(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for every reading to be acknowledged (recovering meanwhile if need be), then
        close; returns how many were still unacknowledged. Those are lost and counted. Called once, after intake
        has stopped."""
        deadline = time.monotonic() + timeout_s
        while self._pending and time.monotonic() < deadline:
            self.collect()
            time.sleep(REAP_S)
        self._halt.set()
        self._supervisor.join(timeout=1)  # a daemon, possibly inside a connection attempt: not waited out
        self.collect()
        with self._reap_lock:  # not the send lock: the supervisor may hold it inside a connection attempt
            dropped = len(self._pending)
            self._pending.clear()
            self.lost += dropped
        if dropped:
            metrics.FAILED.inc(dropped)
            log.error(f"Flush timed out: {dropped} readings were not acknowledged and are lost", extra={
                "fields": {"dropped": dropped, "topic": self.kafka.topic}})
        elif self._client is not None:
            self._client.close(timeout=5)
        return dropped


def observe_latency(started: float, _metadata: object) -> None:
    """Send-to-acknowledgement time of a sampled reading (on the client's sender thread: kept short)."""
    metrics.SEND_LATENCY.observe(time.monotonic() - started)


def close_quietly(client: KafkaProducer) -> None:
    """Close a failed client without waiting for it: its readings are resent through the next one (its late
    callbacks are told apart by generation)."""
    try:
        client.close(timeout=0)
    except Exception as error:  # a client in a fatal state may raise on close; it is dropped anyway
        log.warning("Closing the failed Kafka client raised", extra={"fields": {"error": str(error)}})
