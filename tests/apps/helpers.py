"""Small helpers shared by the app tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from kafka import KafkaProducer
from processor.analytics import Analytics, Limits

from tests.fixtures.patience import CALL_GUARD_S
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics


def stopped_counts(producer: AppProcess) -> tuple[int, int]:
    """(sent, lost) from the producer's last log line, written after it flushed on SIGTERM."""
    final = [entry for entry in producer.logs() if entry["message"] == "Producer stopped"]
    assert final, f"the producer did not log its stop:\n{producer.log_tail()}"
    return int(final[-1]["sent"]), int(final[-1]["lost"])


@dataclass
class StreamRun:
    """A producer and a processor on names private to one test, and the end-of-test count in the database."""

    launcher: AppLauncher
    kafka: Kafka
    influx: VictoriaMetrics
    stream: Stream
    producer: AppProcess
    processor: AppProcess

    @classmethod
    def start(cls, launcher: AppLauncher, kafka: Kafka, influx: VictoriaMetrics, lines: int = 3,
              rate_hz: float = 20) -> StreamRun:
        """Both apps started and ready (the processor first, so its group join overlaps the producer's start)."""
        stream = Stream.create(kafka)
        processor = launcher.start("processor", stream.processor_env(kafka, influx))
        producer = launcher.start("producer", stream.producer_env(kafka, lines=lines, rate_hz=rate_hz))
        producer.wait_ready()
        processor.wait_ready()
        return cls(launcher, kafka, influx, stream, producer, processor)

    def restart_processor(self) -> AppProcess:
        """A new processor in the same group (after the old one was killed)."""
        self.processor = self.launcher.start("processor", self.stream.processor_env(self.kafka, self.influx))
        return self.processor

    def stop_producer_and_count(self) -> int:
        """SIGTERM the producer, then assert every reading it counted as sent is stored and none is stored twice
        with different values (a replay of the same reading is the same point). Returns that count."""
        assert self.producer.terminate() == 0
        sent, lost = stopped_counts(self.producer)
        assert lost == 0 and sent > 0
        self.influx.wait_for_seqs(self.stream.producer_id, set(range(sent)))
        audit = Audit.of(self.influx.seq_samples(self.stream.producer_id), sent)
        assert audit.lost == 0 and audit.conflicting == {} and audit.unexpected == [], audit
        return sent


@dataclass
class Audit:
    """What the database holds for seqs 0..sent-1 of one producer: how many seqs are missing (lost) and the first
    20 of them, how many extra copies of seqs with the same values there are (replays, harmless), seqs stored with
    different values (line, state or time: two readings under one seq), and seqs the producer never sent."""

    lost: int
    missing: list[int]
    replayed: int
    conflicting: dict[int, set[tuple[str, str, int]]]
    unexpected: list[int]

    @classmethod
    def of(cls, samples: list[tuple[int, str, str, int]], sent: int) -> Audit:
        values: dict[int, list[tuple[str, str, int]]] = {}
        for seq, line, state, timestamp in samples:
            values.setdefault(seq, []).append((line, state, timestamp))
        missing = sorted(set(range(sent)) - set(values))
        return cls(lost=len(missing), missing=missing[:20],
                   replayed=sum(len(stored) - 1 for stored in values.values()),
                   conflicting={seq: set(stored) for seq, stored in values.items() if len(set(stored)) > 1},
                   unexpected=sorted(seq for seq in values if not 0 <= seq < sent)[:20])


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
        producer.flush(timeout=CALL_GUARD_S)
    finally:
        producer.close()


# A processor's settings that need no server (the pipeline built from them prepares batches; it never connects).
OFFLINE_ENV = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", "INFLUXDB_URL": "http://127.0.0.1:9", "INFLUXDB_TOKEN": "t",
               "INFLUXDB_ORG": "o", "INFLUXDB_BUCKET": "b"}


def analytics_over(window_s: float) -> Analytics:
    """Analytics with a `window_s` window and limits no test of the statistics reaches."""
    return Analytics(Limits(window_s=window_s, idle_s=3600, max_lines=1000, max_readings=100_000))
