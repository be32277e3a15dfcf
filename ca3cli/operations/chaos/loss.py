"""Readings lost and duplicated, counted from the producers' sequence numbers in what the database holds.

Each producer numbers its readings 0, 1, 2, ... from the moment its process starts (its id is the pod's name), and
a resent reading keeps its number and event time. So, in event-time order, one process's numbers rise by one: a
jump is readings lost between the two stored ones, the same reading stored again is a duplicate, and a number
falling back is the process restarted in place (same pod, numbering from 0 again). Readings a process took but never
delivered after its last stored one cannot be seen here; the producer counts those itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ca3cli.operations.chaos.model import Reading


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
    processes: int  # producer processes seen (a restart in place is a new one)
    gaps: tuple[Gap, ...] = ()


def _by_producer(readings: Iterable[Reading]) -> dict[str, list[Reading]]:
    found: dict[str, list[Reading]] = {}
    for r in readings:
        found.setdefault(r.producer, []).append(r)
    return {p: sorted(rs, key=lambda r: (r.time_ns, r.seq)) for p, rs in found.items()}


def _one_producer(name: str, readings: list[Reading], fresh: bool) -> tuple[int, int, int, list[Gap]]:
    """(distinct, duplicated, processes, gaps) of one producer's stored readings in event-time order."""
    seen: set[tuple[int, int]] = set()
    gaps: list[Gap] = []
    distinct = duplicated = processes = 0
    last = None
    for r in readings:
        if (r.seq, r.time_ns) in seen:
            duplicated += 1
            continue
        seen.add((r.seq, r.time_ns))
        distinct += 1
        if last is None or r.seq < last:  # the first stored reading, or numbering from 0 again: a new process
            started_here = fresh or last is not None
            processes += 1
            if started_here and r.seq > 0:
                gaps.append(Gap(name, -1, r.seq))
        elif r.seq == last:  # the same number at another event time: stored twice, restamped
            duplicated += 1
            distinct -= 1
        elif r.seq > last + 1:
            gaps.append(Gap(name, last, r.seq))
        last = r.seq
    return distinct, duplicated, processes, gaps


def count(readings: Iterable[Reading], fresh: Iterable[str] = ()) -> SeqCount:
    """Loss and duplicates over `readings`; producers in `fresh` started within the window, so their numbering
    must start at 0 (their first readings missing is loss too)."""
    readings = list(readings)
    started = set(fresh)
    distinct = duplicated = processes = 0
    gaps: list[Gap] = []
    by_producer = _by_producer(readings)
    for name, rs in sorted(by_producer.items()):
        d, dup, procs, g = _one_producer(name, rs, name in started)
        distinct, duplicated, processes = distinct + d, duplicated + dup, processes + procs
        gaps += g
    return SeqCount(len(readings), distinct, sum(g.missing for g in gaps), duplicated, len(by_producer), processes,
                    tuple(gaps))
