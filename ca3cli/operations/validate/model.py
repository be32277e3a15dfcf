"""The data every check shares: statuses, a decided outcome, a check's definition and its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ca3cli.operations.validate.probe import Probe


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"  # the criterion could not be proven for a reason outside ca3's control, said in the evidence
    SKIP = "SKIP"  # not deployed at this milestone or switched off in ca3.yaml


@dataclass(frozen=True)
class Outcome:
    """What a check decided and the evidence behind it (the value seen, never a secret)."""

    status: Status
    evidence: str


def passed(evidence: str) -> Outcome:
    return Outcome(Status.PASS, evidence)


def failed(evidence: str) -> Outcome:
    return Outcome(Status.FAIL, evidence)


def verdict(ok: bool, good: str, bad: str) -> Outcome:
    """PASS with `good` when `ok`, else FAIL with `bad`: the shape most decisions take."""
    return passed(good) if ok else failed(bad)


@dataclass(frozen=True)
class Check:
    """One live check: `gather` reads the cluster, `decide` (pure) judges the evidence; `skip` may excuse it."""

    id: str
    gather: Callable[[Probe], Any]
    decide: Callable[[Any], Outcome]
    timeout_s: float = 30.0
    skip: Callable[[Probe], str | None] | None = None


@dataclass(frozen=True)
class CheckResult:
    """One row of the report."""

    id: str
    milestone: int
    criterion: str
    status: Status
    evidence: str
    seconds: float
