"""Poison messages against the real broker and database: each one lands in the DLQ with its reason, the processor
stays up, and the valid reading sent right after it on the same partition is stored. Plus the InfluxDB side: a
batch the database refuses is split until only the refused point is handed back."""

from __future__ import annotations

import json
import time

import kafka.record.default_records
import pytest
from conveyor_common.reading import Reading
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from processor.settings import load_influx
from processor.sink import InfluxSink, to_lines

from tests.apps.helpers import analytics_over, reading
from tests.fixtures.patience import CALL_GUARD_S, HANG_GUARD_S
from tests.fixtures.pipeline import AppLauncher, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics

pytestmark = pytest.mark.integration


def fields(**changes: object) -> dict[str, object]:
    return {"event_time_ns": time.time_ns(), "line": "line-1", "speed_ms": 0.2, "state": "running",
            "producer": "poison", "seq": 1} | changes


def encoded(**changes: object) -> bytes:
    return json.dumps(fields(**changes)).encode()


def without(name: str) -> bytes:
    return json.dumps({key: value for key, value in fields().items() if key != name}).encode()


# (message value, a word its DLQ reason must contain). None is a Kafka tombstone (no value at all).
POISON: list[tuple[bytes | None, str]] = [
    (b"not json", "not JSON"),
    (b'{"line": "a"', "not JSON"),
    (b"\xff\xfe{}", "not JSON"),
    (b"", "empty"),
    (None, "empty"),
    (b"null", "JSON object"),
    (b"[1, 2]", "JSON object"),
    (b'"a string"', "JSON object"),
    (b"[" * 1500 + b"]" * 1500, "nested"),
    (b'{"line": "a", "deep": ' + b"[" * 1200 + b"]" * 1200 + b"}", "nested"),
    (encoded(line="x" * 1_000_000), "bytes"),
    (b"[" + b"0," * 1_000_000 + b"0]", "bytes"),  # 2 MB: bigger than the DLQ producer would send whole
    (encoded(speed_ms=10**400), "speed_ms"),
    (encoded(speed_ms=0.2).replace(b"0.2", b"NaN"), "speed_ms"),
    (encoded(speed_ms=0.2).replace(b"0.2", b"Infinity"), "speed_ms"),
    (encoded(speed_ms=0.2).replace(b"0.2", b"1e400"), "speed_ms"),
    (encoded(speed_ms=-0.1), "speed_ms"),
    (encoded(speed_ms=101), "speed_ms"),
    (encoded(speed_ms=True), "speed_ms"),
    (encoded(speed_ms="0.2"), "speed_ms"),
    (without("speed_ms"), "speed_ms"),
    (encoded(state="flying"), "state"),
    (without("state"), "state"),
    (encoded(line=""), "line"),
    (encoded(line="x" * 65), "line"),
    (encoded(line="line\n1"), "line"),
    (encoded(line="line\t1"), "line"),
    (encoded(line="\x00"), "line"),
    (encoded(line="\ud800"), "line"),
    (encoded(line=7), "line"),
    (without("producer"), "producer"),
    (encoded(producer=["a"]), "producer"),
    (encoded(seq=2**63), "seq"),
    (encoded(seq=-1), "seq"),
    (encoded(seq=1.5), "seq"),
    (encoded(seq=int("9" * 3000)), "seq"),
    (encoded(event_time_ns=2**63), "event_time_ns"),
    (encoded(event_time_ns=-(2**63)), "event_time_ns"),
    (encoded(event_time_ns=1.7e18), "event_time_ns"),
    (without("event_time_ns"), "event_time_ns"),
]


def test_the_poison_table_is_large_enough() -> None:
    assert len(POISON) >= 30 and len({value for value, _ in POISON}) == len(POISON)


def dlq_reasons(kafka: Kafka, topic: str, expected: int,
                timeout_s: float = HANG_GUARD_S) -> dict[tuple[int, int], tuple[bytes, str]]:
    """{(source partition, source offset): (value, error header)} of the DLQ, once it holds `expected` messages (or
    time runs out)."""
    consumer = KafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
    found: dict[tuple[int, int], tuple[bytes, str]] = {}
    try:
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout_s
        while len(found) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                for message in batch:
                    headers = {key: value.decode() for key, value in message.headers}
                    origin = int(headers["source-partition"]), int(headers["source-offset"])
                    found[origin] = (message.value, headers["error"])
        return found
    finally:
        consumer.close()


def test_every_poison_message_goes_to_the_dlq_with_its_reason_and_the_reading_after_it_is_stored(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu, partitions=1)
    sender = KafkaProducer(acks="all", max_request_size=4 * 1024 * 1024, **tansu.client_options())
    offsets = {}
    try:
        for index, (value, _) in enumerate(POISON):
            offsets[sender.send(stream.topic, key=b"k", value=value).get(timeout=CALL_GUARD_S).offset] = index
            # The marker after it.
            sender.send(stream.topic, key=b"k", value=reading(stream, index)).get(timeout=CALL_GUARD_S)
    finally:
        sender.close()
    processor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    seen = victoria_metrics.wait_for_seqs(stream.producer_id, set(range(len(POISON))))
    assert set(seen) == set(range(len(POISON))), processor.log_tail()
    forwarded = dlq_reasons(tansu, stream.dlq_topic, len(POISON))
    assert set(forwarded) == {(0, offset) for offset in offsets}
    for (_, offset), (value, reason) in forwarded.items():
        sent, word = POISON[offsets[offset]]
        assert value == (sent or b"")[:64 * 1024] and word in reason, (offsets[offset], reason)
    assert processor.metric("processor_invalid_messages_total") == len(POISON)
    assert processor.proc.poll() is None and processor.get("/healthz") == 200


def test_a_line_id_with_backslashes_commas_and_spaces_is_stored_as_sent_and_keeps_its_producer_tag(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    stream = Stream.create(tansu, partitions=1)
    lines = ["a\\", "a\\,producer=evil", "hall 2, line=3\\ ", "\\\\"]
    values = [Reading(time.time_ns(), line, 0.1, "running", stream.producer_id, seq).encode()
              for seq, line in enumerate(lines)]
    sender = KafkaProducer(acks="all", **tansu.client_options())
    for value in values:
        sender.send(stream.topic, value=value)
    sender.flush(timeout=CALL_GUARD_S)
    sender.close()
    launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    assert sorted(victoria_metrics.wait_for_seqs(stream.producer_id, set(range(len(lines))))) == [0, 1, 2, 3]
    stored = {seq: line for seq, line, _, _ in victoria_metrics.seq_samples(stream.producer_id)}
    assert stored == dict(enumerate(lines))


def test_a_batch_the_database_refuses_is_split_so_valid_points_land_and_only_the_refused_one_comes_back(
        victoria_metrics: VictoriaMetrics) -> None:
    """VictoriaMetrics answers 400 to a line over 1 MB (after storing the lines before it): the sink must find
    that point and still store the ones after it. The point is built by hand: the validation never lets one
    through, which is why this path is tested at the sink."""
    sink = InfluxSink(load_influx(victoria_metrics.app_env()))
    analytics, now = analytics_over(60), time.time_ns()
    sent = [Reading(now + seq, f"line-{seq}", 0.1, "running", "bisect", seq) for seq in range(9)]
    points = to_lines(sent, analytics.update_all(sent))
    points[5] = points[5].replace("line=line-5", "line=" + "x" * 1_100_000)
    try:
        refused = sink.write(points)
    finally:
        sink.close()
    assert list(refused) == [5] and "HTTP 400" in refused[5]
    stored = victoria_metrics.wait_for_seqs("bisect", {0, 1, 2, 3, 4, 6, 7, 8})
    assert set(stored) == {0, 1, 2, 3, 4, 6, 7, 8}


def test_batches_compressed_with_every_kafka_codec_are_read_and_stored(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    """Without a codec's library, one batch compressed with it stopped the processor (UnsupportedCodecError out
    of poll) on every restart; the processor declares them all."""
    stream = Stream.create(tansu, partitions=1)
    codecs = ("gzip", "snappy", "lz4", "zstd")
    for batch, codec in enumerate(codecs):
        sender = KafkaProducer(acks="all", compression_type=codec, **tansu.client_options())
        for seq in range(batch * 10, batch * 10 + 10):
            sender.send(stream.topic, key=b"k", value=reading(stream, seq))
        sender.flush(timeout=CALL_GUARD_S)
        sender.close()
    processor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    expected = set(range(10 * len(codecs)))
    assert set(victoria_metrics.wait_for_seqs(stream.producer_id, expected)) == expected, \
        processor.log_tail()
    assert processor.proc.poll() is None


def send_batch(kafka: Kafka, topic: str, values: list[bytes], partition: int = 0, **options: object) -> list[int]:
    """`values` in one record batch (one flush of one client) on `partition`; their offsets."""
    sender = KafkaProducer(acks="all", linger_ms=1000, **options, **kafka.client_options())
    try:
        futures = [sender.send(topic, key=b"k", value=value, partition=partition) for value in values]
        sender.flush(timeout=CALL_GUARD_S)
        return [future.get(timeout=1).offset for future in futures]
    finally:
        sender.close()


def test_batches_the_client_cannot_read_go_to_the_dlq_offset_by_offset_and_the_partitions_move_on(
        tansu: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tansu stores batches as sent, so a client patched (in this process only) to write a wrong CRC, or a gzip
    payload that does not decompress under a correct CRC, puts batches on the topic that make the processor's
    poll() raise CorruptRecordError and gzip.BadGzipFile at the same offset on every call; they stopped it for
    good. Two partitions hold one each at the same time, a third none."""
    stream = Stream.create(tansu, partitions=3)
    for partition in range(3):
        send_batch(tansu, stream.topic, [reading(stream, seq) for seq in range(partition * 2, partition * 2 + 2)],
                   partition)
    with monkeypatch.context() as patch:
        patch.setattr(kafka.record.default_records, "calc_crc32c", lambda data: 0xDEADBEEF)
        bad_crc = [(1, offset) for offset in send_batch(tansu, stream.topic, [b"crc" * 100] * 3, 1)]
    with monkeypatch.context() as patch:
        patch.setattr(kafka.record.default_records, "gzip_encode", lambda data: b"\x1f\x8b not gzip")
        bad_gzip = [(2, offset) for offset in
                    send_batch(tansu, stream.topic, [b"gzip" * 100] * 2, 2, compression_type="gzip")]
    for partition in range(3):
        send_batch(tansu, stream.topic, [reading(stream, seq) for seq in range(6 + partition * 2, 8 + partition * 2)],
                   partition)
    processor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    seen = victoria_metrics.wait_for_seqs(stream.producer_id, set(range(12)))
    assert set(seen) == set(range(12)), processor.log_tail()
    forwarded = dlq_reasons(tansu, stream.dlq_topic, len(bad_crc) + len(bad_gzip))
    assert {origin: value for origin, (value, _) in forwarded.items()} == dict.fromkeys(bad_crc + bad_gzip, b"")
    assert all("CorruptRecordError" in forwarded[origin][1] for origin in bad_crc), forwarded
    assert all("BadGzipFile" in forwarded[origin][1] for origin in bad_gzip), forwarded
    assert processor.metric("processor_unreadable_offsets_total") == len(bad_crc) + len(bad_gzip)
    assert processor.proc.poll() is None and processor.get("/healthz") == 200
    # Committed past them: a successor in the same group neither stops nor sends them again.
    assert processor.terminate() == 0, processor.log_tail()
    successor = launch_apps.start("processor", stream.processor_env(tansu, victoria_metrics))
    successor.wait_ready()
    time.sleep(3)
    assert successor.proc.poll() is None
    assert successor.metric("processor_unreadable_offsets_total") == 0, successor.log_tail()
