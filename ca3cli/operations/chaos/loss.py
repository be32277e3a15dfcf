"""Readings lost and duplicated, counted from the producers' sequence numbers in what the database holds.

Each producer process numbers its readings 0, 1, 2, ... and its id is unique to it (`<pod>@<process start, Unix
ms>`, apps/producer/producer/settings.py), so (producer, seq) names one reading, also after a container restarts in
place; a resent reading keeps its number and event time. Per producer: a number missing between the lowest and the
highest stored (from 0 for a process that started within the window) is a reading lost; the same reading stored again
is a duplicate, at its own event time or another. Readings a process took but never delivered after its last stored
one cannot be seen here; the producer counts those itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ca3cli.operations.chaos.model import Reading

PROCESS_MARK = "@"  # between the pod's name and the process start in a producer id


@dataclass(frozen=True)
class Gap:
    producer: str
    after: int  # the stored seq before the gap (-1: the process's first readings are missing)
    before: int  # the stored seq after it

    @property
    def missing(self) -> int:
        return self.before - self.after - 1


@dataclass(frozen=True)
class SeqCount:
    stored: int  # points the database returned
    distinct: int  # distinct readings among them
    lost: int
    duplicated: int  # extra copies of a reading stored more than once
    producers: int
    processes: int  # producer processes seen: with ids unique per process, as many as producers
    gaps: tuple[Gap, ...] = ()


def process_start_ms(producer: str) -> int | None:
    """When the producer's process started (Unix ms), read from its id; None for an id given by hand."""
    _, mark, started = producer.rpartition(PROCESS_MARK)
    return int(started) if mark and started.isdigit() else None


def _gaps(name: str, seqs: list[int], fresh: bool) -> list[Gap]:
    """The runs of numbers missing among one producer's distinct stored `seqs` (sorted)."""
    gaps = []
    previous = -1 if fresh else seqs[0] - 1
    for seq in seqs:
        if seq > previous + 1:
            gaps.append(Gap(name, previous, seq))
        previous = seq
    return gaps


def count(readings: Iterable[Reading], fresh: Iterable[str] = ()) -> SeqCount:
    """Loss and duplicates over `readings`; producers in `fresh` started within the window, so their numbering
    must start at 0 (their first readings missing is loss too)."""
    readings = list(readings)
    started = set(fresh)
    by_producer: dict[str, list[Reading]] = {}
    for r in readings:
        by_producer.setdefault(r.producer, []).append(r)
    distinct, gaps = 0, []
    for name, rs in sorted(by_producer.items()):
        seqs = sorted({r.seq for r in rs})
        distinct += len(seqs)
        gaps += _gaps(name, seqs, name in started)
    return SeqCount(len(readings), distinct, sum(g.missing for g in gaps), len(readings) - distinct,
                    len(by_producer), len(by_producer), tuple(gaps))
