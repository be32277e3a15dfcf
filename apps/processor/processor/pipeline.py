"""The consume -> analyse -> write -> commit loop. At least once: offsets are committed only after InfluxDB
accepted the batch; while a write is retried the consumer keeps polling with every partition paused, so the group
keeps its member and no record is taken or skipped. Nothing poll() raises stops it: an offset the client cannot
read goes to the DLQ (see unreadable.py), anything else is retried.

One batch is written while the next is polled and prepared: a writer thread delivers it (InfluxDB, then the DLQ)
and the poll loop commits its offsets once it was delivered, before it hands the writer the next batch; so the
round trip to InfluxDB overlaps the polling, commits stay in order and behind their writes, and at most one
batch is in flight. Before this member gives partitions up (a rebalance, closing), the batch in flight is
settled and what was delivered committed.

Delivered batches' offsets are committed together at most every COMMIT_INTERVAL_S (a commit per batch cost the
client about a microsecond a reading, a tenth of its work): at low rates that is still every batch, and what a
crash makes the next owner replay grows by at most that interval's readings, which overwrite themselves. A
rebalance, a poll error and stopping commit whatever was delivered at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from operator import attrgetter
from typing import Any, NamedTuple

from conveyor_common.logs import Sampler
from conveyor_common.reading import Invalid, Reading, decode
from kafka import AsyncConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition
from prometheus_client import Counter

from processor import metrics
from processor.analytics import FLAGS, Analysis, Analytics
from processor.settings import Settings
from processor.sink import InfluxSink, to_lines
from processor.unreadable import about_data, marker, unreadable_runs

log = logging.getLogger("processor")
Records = Mapping[TopicPartition, list[ConsumerRecord]]
Reject = tuple[ConsumerRecord, str]  # a message and why it goes to the DLQ
DLQ_LOGS = Sampler()
POLL_LOGS = Sampler()
DLQ_MAX_BYTES = 64 * 1024
LATENCY_SAMPLE = 8  # one reading in 8 is observed in the end-to-end histogram: the distribution, at an 8th the cost
SLOW_WRITE_S = 1.0  # a write taking longer (InfluxDB retried) is waited out polling paused, to keep the membership
COMMIT_INTERVAL_S = 0.5  # delivered offsets wait at most this long to be committed (see above)


class Points(NamedTuple):
    """A prepared batch, index by index: the valid readings, their line protocol, and the messages they came
    from (for the DLQ if InfluxDB refuses one)."""

    messages: list[ConsumerRecord]
    readings: list[Reading]
    lines: list[str]


class InFlight(NamedTuple):
    """The batch the writer thread is delivering, and the offsets to commit once it was delivered."""

    delivered: Future[bool]
    offsets: dict[TopicPartition, OffsetAndMetadata]


class Membership(AsyncConsumerRebalanceListener):
    """Tracks whether this member has joined the group (for /readyz), hands partitions over before they go
    (`hand_over`: the batch in flight settled, what was delivered committed), forgets what it could not commit when
    it was evicted (`forget`), and drops lag of partitions it no longer holds. kafka-python calls these on its
    network thread, from which a blocking client call (a synchronous commit) raises: they are coroutines it
    awaits, so a commit in them is awaited on its loop."""

    def __init__(self, hand_over: Callable[[], Awaitable[None]], forget: Callable[[], None]) -> None:
        self.joined = threading.Event()
        self.hand_over = hand_over
        self.forget = forget

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.hand_over()
        drop_lag(revoked)

    async def on_partitions_lost(self, lost: set[TopicPartition]) -> None:
        """Evicted from the group: a commit would be refused, and the partitions' next owner replays what this
        member did not commit (the writes overwrite themselves)."""
        self.forget()
        drop_lag(lost)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.joined.set()
        log.info("Joined consumer group", extra={"fields": {"partitions": sorted(tp.partition for tp in assigned)}})


class Pipeline:
    def __init__(self, settings: Settings, sink: InfluxSink, stop: threading.Event) -> None:
        self.settings = settings
        self.sink = sink
        self.stop = stop
        self.analytics = Analytics(settings.analytics, lambda reason: metrics.EVICTIONS.labels(reason=reason).inc())
        metrics.LINES.set_function(lambda: self.analytics.lines)
        self.membership = Membership(self.hand_over, self.delivered_offsets_lost)
        self.consumer: KafkaConsumer | None = None
        self.dlq: KafkaProducer | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="influxdb-writer")
        self.in_flight: InFlight | None = None
        self.delivered: dict[TopicPartition, OffsetAndMetadata] = {}  # delivered, not committed yet
        self.committed_at = float("-inf")  # monotonic time of the last commit of delivered offsets

    def connect(self, backoff_s: float = 2.0) -> bool:
        """Create the consumer (subscribed to the topic) and the DLQ producer, those not there yet; retry until
        Kafka answers."""
        options = self.settings.kafka.client_options()
        while not self.stop.is_set():
            try:
                if self.consumer is None:
                    consumer = KafkaConsumer(**consumer_options(self.settings))
                    # kafka-python takes an AsyncConsumerRebalanceListener here (subscription_state.py); its stubs
                    # name only the synchronous kind.
                    consumer.subscribe([self.settings.kafka.topic],
                                       listener=self.membership)  # type: ignore[arg-type]
                    self.consumer = consumer
                if self.dlq is None:
                    self.dlq = KafkaProducer(acks="all", enable_idempotence=True, **options)
                return True
            except KafkaError as error:
                log.warning("Kafka is not reachable yet; retrying", extra={"fields": {"error": str(error)}})
                self.stop.wait(backoff_s)
        return False

    def run(self) -> None:
        """Poll batches until stopped, then settle the batch in flight (written and committed, or abandoned)."""
        assert self.consumer is not None
        while not self.stop.is_set():
            if self.in_flight is not None and self.in_flight.delivered.done():
                self.settle(asynchronous=True)
            self.commit_delivered()
            try:  # while a batch is in flight or uncommitted, back soon to commit it even if nothing new comes
                records = self.consumer.poll(timeout_ms=100 if self.in_flight is not None or self.delivered else 1000)
            except Exception as error:  # a batch it cannot read, or the cluster: neither may stop the processor
                self.settle()
                self.recover(error)
                continue
            if records:
                self.process(records)
            self.report_lag()
        self.settle()

    def recover(self, error: Exception) -> None:
        """After poll() raised: skip the offsets it cannot read (each to the DLQ with the reason, committed past);
        when no partition's batch is to blame, retry in a second (the client reconnects by itself), after
        replacing the consumer if it raised reading (see unreadable.py: it might not read that partition again)."""
        assert self.consumer is not None
        data, runs = about_data(error), {}
        if data:
            try:
                positions = {tp: self.consumer.position(tp, timeout_ms=1000) for tp in self.consumer.assignment()}
                runs = unreadable_runs({tp: offset for tp, offset in positions.items() if offset is not None},
                                       self.settings.kafka.client_options())
            except KafkaError as probe_error:  # Kafka went away meanwhile: as if no batch were to blame
                log.warning("Could not look for an unreadable batch", extra={"fields": {"error": str(probe_error)}})
        if not runs:
            metrics.POLL_ERRORS.inc()
            if POLL_LOGS.allow("poll"):
                log.error("Polling Kafka failed; retrying", extra={"fields": {
                    "error": f"{type(error).__name__}: {error}"}})
            if data:
                self.consumer.close(autocommit=False)
                self.consumer = None
                self.connect()
            else:
                self.stop.wait(1.0)
            return
        for tp, run in runs.items():
            rejects = [reject(marker(tp, offset), run.reason, metrics.UNREADABLE) for offset in run.offsets]
            if not self.deliver(Points([], [], []), rejects, self.wait_paused):
                return  # stopping
            if tp in self.consumer.assignment():  # (else its new owner skips them)
                self.consumer.seek(tp, run.offsets.stop)
                self.commit({tp: OffsetAndMetadata(run.offsets.stop, "", -1)})

    def process(self, records: Records) -> None:
        """Prepare one polled batch, settle the one before it, and hand this one to the writer."""
        messages = [message for batch in records.values() for message in batch]
        metrics.CONSUMED.inc(len(messages))
        metrics.BATCH_SIZE.observe(len(messages))
        points, rejects = self.prepare(messages)
        offsets = {tp: OffsetAndMetadata(batch[-1].offset + 1, "", -1) for tp, batch in records.items()}
        self.settle(asynchronous=True)
        self.in_flight = InFlight(self.writer.submit(self.deliver, points, rejects, self.stop.wait), offsets)

    def settle(self, asynchronous: bool = False) -> None:
        """Wait for the batch in flight to be delivered, polling paused if that takes long (InfluxDB retried),
        and commit what was delivered (`asynchronous`: at most every COMMIT_INTERVAL_S, without waiting for the
        broker's answer, while polling goes on); an abandoned batch (stopping) is not committed."""
        if self.in_flight is not None:
            delivered = self.in_flight.delivered
            wait_for([delivered], timeout=SLOW_WRITE_S)
            while not delivered.done() and not self.stop.is_set():
                self.wait_paused(0.2)
            self.take_delivered()
        self.commit_delivered(now=not asynchronous)

    def take_delivered(self) -> None:
        """Once the batch in flight was delivered, its offsets join those to commit; the wait is bounded by one
        InfluxDB timeout (it is also made from inside poll(), in a rebalance, where polling is not allowed), after
        which the batch is left in flight: committed later if this member keeps its partitions, else replayed by
        their next owner, the writes overwriting themselves. An abandoned batch (stopping) is not committed."""
        in_flight = self.in_flight
        if in_flight is None:
            return
        wait_for([in_flight.delivered], timeout=self.settings.influx.timeout_ms / 1000)
        if in_flight.delivered.done():
            self.in_flight = None
            if in_flight.delivered.result():
                self.delivered.update(in_flight.offsets)

    def commit_delivered(self, now: bool = False) -> None:
        """Commit the delivered batches' offsets: `now`, waiting for the answer; else asynchronously, once
        COMMIT_INTERVAL_S has passed since the last such commit."""
        if not self.delivered or (not now and time.monotonic() - self.committed_at < COMMIT_INTERVAL_S):
            return
        offsets, self.delivered = self.delivered, {}
        self.committed_at = time.monotonic()
        self.commit(offsets, asynchronous=not now)

    async def hand_over(self) -> None:
        """Before this member's partitions go (a rebalance, closing; on kafka-python's network thread): the batch
        in flight settled, and every delivered offset committed, the commit awaited on the client's loop."""
        self.take_delivered()
        offsets, self.delivered = self.delivered, {}
        if not offsets:
            return
        assert self.consumer is not None
        self.committed_at = time.monotonic()
        try:
            await self.consumer.commit_async(offsets)
        except KafkaError as error:
            not_committed(offsets, error)

    def delivered_offsets_lost(self) -> None:
        """Evicted from the group: the delivered offsets cannot be committed any more."""
        self.delivered = {}

    def prepare(self, messages: list[ConsumerRecord]) -> tuple[Points, list[Reject]]:
        """Each message as a point, or as a reject with the reason; no message, whatever its bytes, raises. The
        analytics and the line protocol run once over the batch's readings: per message work is what the
        processor adds to polling."""
        kept: list[ConsumerRecord] = []  # the messages of `readings`, index by index
        readings: list[Reading] = []
        rejects: list[Reject] = []
        for message in messages:
            try:
                readings.append(decode(message.value))
            except Invalid as error:
                rejects.append(reject(message, str(error), metrics.INVALID))
                continue
            except Exception as error:  # whatever a message trips, it must not stop the partition
                rejects.append(reject(message, f"{type(error).__name__}: {error}", metrics.INVALID))
                continue
            kept.append(message)
        try:
            analyses = self.analytics.update_all(readings)
            lines = to_lines(readings, analyses)
        except Exception:  # a bug tripped by one reading must not stop the partition: find it, one at a time
            return self.prepare_one_by_one(kept, readings, rejects)
        count_anomalies(analyses)
        return Points(kept, readings, lines), rejects

    def prepare_one_by_one(self, messages: list[ConsumerRecord], readings: list[Reading],
                           rejects: list[Reject]) -> tuple[Points, list[Reject]]:
        """prepare() after its batch raised: each reading alone, and the one that raises to the DLQ with the
        error (the readings the batch had analysed before it raised are counted in their windows again)."""
        points = Points([], [], [])
        for message, reading in zip(messages, readings, strict=True):
            try:
                analyses = [self.analytics.update(reading)]
                line = to_lines([reading], analyses)[0]
            except Exception as error:
                rejects.append(reject(message, f"{type(error).__name__}: {error}", metrics.INVALID))
                continue
            count_anomalies(analyses)
            points.messages.append(message)
            points.readings.append(reading)
            points.lines.append(line)
        return points, rejects

    def deliver(self, points: Points, rejects: list[Reject], wait: Callable[[float], object]) -> bool:
        """Write the points to InfluxDB (those it refuses as malformed join the rejects), then send the rejects to
        the DLQ, retrying each step with backoff (`wait(seconds)` between tries); False if stopped first."""
        delay = self.settings.retry_initial_s
        written = not points.lines
        while not self.stop.is_set():
            step, errors = "Writing to InfluxDB", metrics.WRITE_ERRORS
            try:
                if not written:
                    refused = self.sink.write(points.lines)
                    rejects = rejects + [reject(points.messages[index], reason, metrics.REFUSED)
                                         for index, reason in refused.items()]
                    self.record_write([reading for index, reading in enumerate(points.readings)
                                       if index not in refused] if refused else points.readings)
                    written = True
                step, errors = f"Sending to the DLQ {self.settings.consumer.dlq_topic}", metrics.DLQ_ERRORS
                self.send_to_dlq(rejects)
                return True
            except Exception as error:  # any failure of a dependency is retried; nothing is committed
                errors.inc()
                log.error(f"{step} failed; retrying in {delay:.1f} s", extra={"fields": {
                    "points": len(points.lines), "error": f"{type(error).__name__}: {error}"}})
                wait(delay)
                delay = min(delay * 2, self.settings.retry_max_s)
        log.warning("Stopping: abandoned a batch without committing it",
                    extra={"fields": {"points": len(points.lines)}})
        return False

    def record_write(self, readings: list[Reading]) -> None:
        if not readings:
            return
        now_ns = time.time_ns()
        metrics.POINTS_WRITTEN.inc(len(readings))
        metrics.WRITE_BATCHES.inc()
        for reading in readings[::LATENCY_SAMPLE]:
            metrics.END_TO_END.observe(max(0, now_ns - reading.event_time_ns) / 1e9)
        last = readings[-1]
        log.info(f"Writing to InfluxDB: {len(readings)} points accepted", extra={"fields": {
            "points": len(readings), "line": last.line, "speed": last.speed_ms, "topic": self.settings.kafka.topic}})

    def send_to_dlq(self, rejects: list[Reject]) -> None:
        """Forward invalid messages with the reason and origin in headers; raises unless all were acknowledged."""
        assert self.dlq is not None
        futures = [self.dlq.send(self.settings.consumer.dlq_topic, **dlq_record(message, reason))
                   for message, reason in rejects]
        for future in futures:
            future.get(timeout=self.settings.influx.timeout_ms / 1000)

    def wait_paused(self, seconds: float) -> None:
        """Keep the group membership alive for `seconds` without taking records: poll with everything paused.
        A partition assigned during the wait is unpaused; anything it returns is rewound, not processed."""
        assert self.consumer is not None
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            self.consumer.pause(*self.consumer.assignment())
            for tp, batch in self.consumer.poll(timeout_ms=int(min(left, 0.5) * 1000)).items():
                self.consumer.seek(tp, batch[0].offset)
        self.consumer.resume(*self.consumer.paused())

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata], asynchronous: bool = False) -> None:
        """Commit offsets whose batch was delivered. `asynchronous` (the poll loop's batches): sent without waiting
        for the answer, in order behind the commits before it, so the loop polls on during the round trip; a
        rebalance, an error and stopping commit synchronously, and the last commit sent wins either way."""
        assert self.consumer is not None
        try:
            if asynchronous:
                self.consumer.commit_async(offsets, callback=not_committed)
            else:
                self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as error:
            not_committed(offsets, error)

    def report_lag(self) -> None:
        """Lag per assigned partition, from what the last fetch saw; skipped for a partition mid-rebalance."""
        assert self.consumer is not None
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            try:
                position = self.consumer.position(tp, timeout_ms=1000)
            except KafkaError:
                continue
            if high is not None and position is not None:
                metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(0, high - position))

    def close(self) -> None:
        """Stop the writer (a batch it still retries is abandoned), leave the group without committing anything
        not yet written, and flush the DLQ producer."""
        self.stop.set()
        self.writer.shutdown(wait=True, cancel_futures=True)
        if self.consumer is not None:
            self.consumer.close(autocommit=False)
        if self.dlq is not None:
            self.dlq.close(timeout=5)


def not_committed(_offsets: object, answer: object) -> None:
    """A commit's outcome (commit_async calls it with the broker's answer or the error): logs a failure."""
    if isinstance(answer, Exception):
        log.warning("Offsets not committed; the partitions' next owner replays them and the writes overwrite"
                    " themselves", extra={"fields": {"error": str(answer)}})


def consumer_options(settings: Settings) -> dict[str, Any]:
    """The group consumer's kafka-python settings (the benchmark's bare consume loop uses the same)."""
    group = settings.consumer
    return {"group_id": group.group_id, "enable_auto_commit": False, "auto_offset_reset": "earliest",
            "session_timeout_ms": group.session_timeout_ms, "heartbeat_interval_ms": group.heartbeat_interval_ms,
            "max_poll_interval_ms": group.max_poll_interval_ms, "max_poll_records": group.max_poll_records,
            **settings.kafka.client_options()}


def drop_lag(partitions: set[TopicPartition]) -> None:
    """Forget the lag of partitions this member no longer holds."""
    for tp in partitions:
        metrics.LAG.remove(tp.topic, str(tp.partition))


def count_anomalies(analyses: list[Analysis]) -> None:
    """Each anomaly kind's count in the batch, added once."""
    for kind in FLAGS:
        if count := sum(map(attrgetter(kind), analyses)):
            metrics.ANOMALIES.labels(kind=kind).inc(count)


def dlq_record(message: ConsumerRecord, reason: str) -> dict[str, Any]:
    """The DLQ copy of a message: its key and value cut to DLQ_MAX_BYTES each (a value too big for the DLQ topic
    would otherwise be retried for ever and stall the partition; no reading is near that size), the reason and
    the origin in headers, and `original-size` when something was cut."""
    key, value = message.key, message.value or b""
    headers = [("error", reason.encode()), ("source-topic", message.topic.encode()),
               ("source-partition", str(message.partition).encode()), ("source-offset", str(message.offset).encode())]
    if len(value) > DLQ_MAX_BYTES or (key is not None and len(key) > DLQ_MAX_BYTES):
        headers.append(("original-size", f"key={len(key or b'')},value={len(value)}".encode()))
    return {"key": key[:DLQ_MAX_BYTES] if key is not None else None, "value": value[:DLQ_MAX_BYTES],
            "headers": headers}


def reject(message: ConsumerRecord, reason: str, counter: Counter) -> Reject:
    """A message bound for the DLQ, counted here; logged at most once a second per counter, so a flood of bad
    messages cannot flood the logs (the DLQ holds every one with its reason)."""
    counter.inc()
    if DLQ_LOGS.allow(str(id(counter))):
        log.error("Message sent to the DLQ", extra={"fields": {
            "topic": message.topic, "partition": message.partition, "offset": message.offset, "error": reason}})
    return message, reason
