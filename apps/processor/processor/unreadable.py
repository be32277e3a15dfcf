"""Batches the Kafka client cannot read: a CRC mismatch (CorruptRecordError), a compressed payload that does not
decompress (EOFError, zlib, lz4 or zstd errors), a codec it does not know, a record that does not parse. poll()
raises at the same position on every call and after every restart, so one such batch stopped the processor for
good. The partition is found with a probe consumer of its own, reading each assigned partition from the group
consumer's position; the unreadable offsets are then skipped one at a time (the caller sends each to the DLQ and
commits past it) until the partition reads again.

A probe, because kafka-python 3.0.12's consumer cannot be asked twice: after its record iterator raised, the next
poll() of that partition at the same position loops for ever over the dead iterator (seek to the same offset
does not clear it, pausing parks it). Only moving the position past it does, or a new consumer."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CorruptRecordError, KafkaError, UnsupportedCodecError
from kafka.structs import TopicPartition

# KafkaErrors about the bytes of a batch. Any exception out of poll() that is not a KafkaError is about them too
# (the decoders raise their own). The other KafkaErrors (connection, coordinator, authorisation) are about the
# cluster: retried, never skipped past.
DATA_ERRORS = (CorruptRecordError, UnsupportedCodecError)
PROBE_S = 2.0  # how long one partition is read for a verdict (a fetch waits at most fetch_max_wait_ms)


def about_data(error: Exception) -> bool:
    return isinstance(error, DATA_ERRORS) or not isinstance(error, KafkaError)


def locate(positions: Mapping[TopicPartition, int], options: Mapping[str, Any],
           suspect: TopicPartition | None) -> tuple[TopicPartition, int] | None:
    """(partition, offset) of `positions` (the group consumer's) where reading raises a data error, read by a
    probe consumer outside the group, `suspect` first (the partition skipped last: a batch spans several
    offsets). None when every partition reads (the error was not about one batch)."""
    probe = KafkaConsumer(enable_auto_commit=False, **options)
    try:
        for tp in sorted(positions, key=lambda tp: (tp != suspect, tp.topic, tp.partition)):
            probe.assign([tp])
            probe.seek(tp, positions[tp])
            if raises_at(probe, tp, positions[tp]):
                return tp, positions[tp]
    finally:
        probe.close()
    return None


def raises_at(probe: KafkaConsumer, tp: TopicPartition, position: int) -> bool:
    """Whether reading `tp` from `position` raises a data error there, before it yields a record."""
    deadline = time.monotonic() + PROBE_S
    while time.monotonic() < deadline:
        try:
            if probe.poll(timeout_ms=250):
                return False
        except Exception as error:  # whatever the decoders raise is the verdict
            return about_data(error) and probe.position(tp) == position
    return False


def marker(tp: TopicPartition, offset: int) -> ConsumerRecord:
    """What the DLQ gets for an unreadable offset: no key, no value (its bytes could not be read), its origin."""
    return ConsumerRecord(topic=tp.topic, partition=tp.partition, leader_epoch=-1, offset=offset, timestamp=-1,
                          timestamp_type=-1, key=None, value=None, headers=[], checksum=None,
                          serialized_key_size=-1, serialized_value_size=-1, serialized_header_size=-1)
