"""Batches the Kafka client cannot read: a CRC mismatch (CorruptRecordError), a compressed payload that does not
decompress (gzip's BadGzipFile, EOFError, lz4 or zstd errors), a codec it does not know, a record that does not
parse. poll() raises at the same position on every call and after every restart, so one such batch stopped the
processor for good. A probe consumer of its own reads each assigned partition from the group consumer's position,
alone; where it raises, it walks on offset by offset to the first one it can read (or the end of the partition).
The caller sends each unreadable offset to the DLQ and moves the group consumer past them.

A probe, and every partition probed, because kafka-python 3.0.12's consumer cannot be asked twice: after its record
iterator raised, the next poll() of that partition at the same position loops for ever over the dead iterator
(seeking to the same offset does not clear it, pausing parks it); only moving that partition's position past it
does, or a new consumer. Which partition raised, poll() does not say."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CorruptRecordError, KafkaError, UnsupportedCodecError
from kafka.structs import TopicPartition

# KafkaErrors about the bytes of a batch. Any exception out of poll() that is not a KafkaError is about them too
# (the decoders raise their own). The other KafkaErrors (connection, coordinator, authorisation) are about the
# cluster: retried, never skipped past.
DATA_ERRORS = (CorruptRecordError, UnsupportedCodecError)
PROBE_S = 1.0  # how long one offset is read for a verdict; the probe's fetches wait at most 100 ms for data
MAX_RUN = 10_000  # offsets skipped per look (a longer run is skipped over several)


class Unreadable(NamedTuple):
    offsets: range
    reason: str  # the probe's error at the first offset


def about_data(error: Exception) -> bool:
    return isinstance(error, DATA_ERRORS) or not isinstance(error, KafkaError)


def unreadable_runs(positions: Mapping[TopicPartition, int],
                    options: Mapping[str, Any]) -> dict[TopicPartition, Unreadable]:
    """Each partition of `positions` (the group consumer's) that cannot be read at its position, with the run of
    offsets from there that cannot be read either."""
    probe = KafkaConsumer(enable_auto_commit=False, fetch_max_wait_ms=100, **options)
    runs = {}
    try:
        for tp, start in positions.items():
            probe.assign([tp])  # (the previous partition's dead iterator, if any, is dropped with it)
            first = error_at(probe, tp, start)
            if first is None:
                continue
            offset = start + 1
            while offset - start < MAX_RUN and error_at(probe, tp, offset) is not None:
                offset += 1
            runs[tp] = Unreadable(range(start, offset), f"unreadable batch: {type(first).__name__}: {first}"[:500])
    finally:
        probe.close()
    return runs


def error_at(probe: KafkaConsumer, tp: TopicPartition, offset: int) -> Exception | None:
    """The data error reading `tp` from `offset` raises there, before it yields a record; None if it reads (or
    there is nothing there yet)."""
    probe.seek(tp, offset)
    deadline = time.monotonic() + PROBE_S
    while time.monotonic() < deadline:
        try:
            if probe.poll(timeout_ms=250):
                return None
        except Exception as error:  # whatever the decoders raise is the verdict
            return error if about_data(error) and probe.position(tp) == offset else None
    return None


def marker(tp: TopicPartition, offset: int) -> ConsumerRecord:
    """What the DLQ gets for an unreadable offset: no key, no value (its bytes could not be read), its origin."""
    return ConsumerRecord(topic=tp.topic, partition=tp.partition, leader_epoch=-1, offset=offset, timestamp=-1,
                          timestamp_type=-1, key=None, value=None, headers=[], checksum=None,
                          serialized_key_size=-1, serialized_value_size=-1, serialized_header_size=-1)
