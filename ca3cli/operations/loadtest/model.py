"""The load test as data: one reading per sampling tick, the rescale events, what the load generator reported.

Everything here round-trips through JSON (`to_json`/`from_json`), so `ca3 validate -m 6` reads the same timeline the
load test analysed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Phase = Literal["baseline", "load", "cooldown"]
# The Prometheus readings of each sample, by key; the PromQL behind each is in ca3cli/operations/loadtest/cluster.py.
THROUGHPUT = ("produced", "consumed", "written", "lag")


HPA_WATCH = ("get", "hpa", "--watch")  # the seed's command for the scaling events, run beside the sampling

@dataclass(frozen=True)
class HpaReading:
    """What one HPA reported at one tick (`kubectl get hpa` columns plus the ScalingActive condition)."""

    name: str
    current: int
    desired: int
    minimum: int
    maximum: int
    cpu: int | None  # current average utilisation, % of requests; None until metrics-server answers
    target_cpu: int | None
    active: bool
    message: str  # the ScalingActive condition's message


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the test started
    at: str  # UTC, ISO 8601
    phase: Phase
    hpas: tuple[HpaReading, ...]
    ready_pods: dict[str, int]  # Ready pods by app label
    throughput: dict[str, float | None]  # THROUGHPUT keys; None when Prometheus had no answer

    def hpa(self, name: str) -> HpaReading | None:
        return next((h for h in self.hpas if h.name == name), None)


@dataclass(frozen=True)
class HpaEvent:
    """Every autoscaler as one watch event showed them, timed when the event arrived (`kubectl get hpa --watch
    -o json` through edges/objectwatch.py): a change is dated when it happened, not at the next sample."""

    t: float  # seconds since the test started
    at: str  # UTC, ISO 8601
    hpas: tuple[HpaReading, ...]

    def hpa(self, name: str) -> HpaReading | None:
        return next((h for h in self.hpas if h.name == name), None)


@dataclass(frozen=True)
class Rescale:
    """One `SuccessfulRescale` event of an HPA (`New size: 3; reason: ...`)."""

    at: str
    hpa: str
    message: str

    @property
    def new_size(self) -> int | None:
        head = self.message.split(";", 1)[0]
        digits = head.rsplit(":", 1)[-1].strip()
        return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class LoadReport:
    """The load generator's own summary (its JSON line), and how its Job ended."""

    outcome: Literal["complete", "failed", "interrupted", "not-started"]
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    failed_requests: int = 0
    reason: str = ""  # the Job's failure condition, or why no summary was read


@dataclass(frozen=True)
class Request:
    """What the user asked for: readings per second after a ramp, for a duration; how long to wait for scale-down."""

    rate: float
    duration_s: float
    ramp_s: float
    timeout_s: float
    interval_s: float
    baseline_s: float

    @property
    def baseline_ticks(self) -> int:
        """Samples before the load: one per interval of the baseline, at least one."""
        return max(1, round(self.baseline_s / self.interval_s)) if self.interval_s else 1


# What `ca3 load-test` does without options, and what `ca3 handin --make` runs.
DEFAULT_REQUEST = Request(rate=1000, duration_s=180, ramp_s=30, timeout_s=600, interval_s=5, baseline_s=30)


@dataclass(frozen=True)
class Timeline:
    namespace: str
    started_at: str
    request: Request
    settings: dict[str, Any]  # the autoscaling settings in force, for the report
    hpa_names: tuple[str, ...]  # the autoscalers the rendered manifests define
    samples: tuple[Sample, ...] = ()
    rescales: tuple[Rescale, ...] = ()
    load: LoadReport = field(default_factory=lambda: LoadReport("not-started"))
    load_window: tuple[float, float] | None = None  # seconds since start: Job created .. Job finished
    refusals: tuple[str, ...] = ()  # why the test could not run (preflight), in full sentences
    hpa_watch: str = ""  # what `kubectl get hpa --watch` printed during the test, verbatim
    hpa_events: tuple[HpaEvent, ...] = ()  # the autoscalers at each watch event (none when the watch never kept up)


def to_json(timeline: Timeline) -> str:
    return json.dumps(asdict(timeline), indent=1)


def _sample(raw: dict[str, Any]) -> Sample:
    return Sample(raw["t"], raw["at"], raw["phase"], tuple(HpaReading(**h) for h in raw["hpas"]),
                  dict(raw["ready_pods"]), dict(raw["throughput"]))


def _event(raw: dict[str, Any]) -> HpaEvent:
    return HpaEvent(raw["t"], raw["at"], tuple(HpaReading(**h) for h in raw["hpas"]))


def from_json(text: str) -> Timeline:
    """The timeline a load test wrote; raises ValueError (or KeyError/TypeError) when the file is not one."""
    raw = json.loads(text)
    window = raw.get("load_window")
    return Timeline(
        raw["namespace"], raw["started_at"], Request(**raw["request"]), dict(raw["settings"]),
        tuple(raw["hpa_names"]), tuple(_sample(s) for s in raw["samples"]),
        tuple(Rescale(**r) for r in raw["rescales"]), LoadReport(**raw["load"]),
        None if window is None else (float(window[0]), float(window[1])), tuple(raw["refusals"]),
        str(raw.get("hpa_watch", "")), tuple(_event(e) for e in raw.get("hpa_events", [])))


# The throughput key each tier's autoscaler is judged by (readings per second through that tier).
TIER_THROUGHPUT = {"producer": "produced", "processor": "consumed"}
