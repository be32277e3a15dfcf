"""Edge: the load test's sampling loop: baseline, load (the Job), cool-down until every autoscaler is back at its
minimum or the timeout passes. The Job and its NetworkPolicy are deleted however the run ends (Ctrl-C included).

Every read rides out an API server that does not answer (edges/outage.py) until the phase's end, and at least a
minute; beside the samples, a watch of the autoscalers (edges/objectwatch.py) dates each replica change when its
event arrives. The samples stay polls: each is one moment's autoscalers, Ready pods and throughput together, which
the per-replica throughput needs, and they carry on when the watch cannot keep up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from ca3cli.core import kubeobjects as k
from ca3cli.core import topology
from ca3cli.core.settings import Settings
from ca3cli.edges import outage
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.objectwatch import ObjectWatch
from ca3cli.edges.portforward import HttpError, PortForwardError, Reforward
from ca3cli.edges.watch import Watch
from ca3cli.operations import services
from ca3cli.operations.loadtest import cluster, job, objects
from ca3cli.operations.loadtest.model import (
    HPA_WATCH,
    HpaEvent,
    LoadReport,
    Phase,
    Request,
    Rescale,
    Sample,
    Timeline,
)

LOAD_GRACE_S = 180  # past ramp + duration, a Job still running is reported as failed (its own deadline is +120 s)
RIDE_OUT_S = 60.0  # an API outage this long is ridden out at any point; a longer one while the phase has time left
AGAIN = "`ca3 load-test`"
HPAS = "hpa"  # the seed's name for them; the samples poll horizontalpodautoscalers.autoscaling
T = TypeVar("T")


def utc_now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the test, carrying what was recorded until then (the Job and policy are already deleted)."""

    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self.timeline = timeline


@dataclass
class Recorder:
    """The samples and events so far; `show` sees each sample as it comes (the live table)."""

    kubectl: Kubectl
    url: Callable[[str], str]
    request: Request
    since: str
    show: Callable[[Sample, tuple[Rescale, ...]], None]
    unanswered: Callable[[float], None] = field(default=lambda seconds: None)  # the API server's silence so far
    reopen: Callable[[], None] = field(default=lambda: None)  # the Prometheus forward, after a tick it did not answer
    clock: outage.Clock = field(default_factory=lambda: outage.CLOCK)
    t0: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    events: dict[tuple[str, str, str], Rescale] = field(default_factory=dict)
    hpa_events: list[HpaEvent] = field(default_factory=list)  # appended on the watch's thread
    load: LoadReport = field(default_factory=lambda: LoadReport("not-started"))
    window: tuple[float, float] | None = None
    ends: float = 0.0  # the current phase's end (seconds since the start), up to which an outage is ridden out

    def __post_init__(self) -> None:
        self.t0 = self.clock.monotonic()

    def into(self, timeline: Timeline, watched: list[str]) -> Timeline:
        """`timeline` with everything recorded so far, and what `kubectl get hpa --watch` printed meanwhile."""
        return replace(timeline, samples=tuple(self.samples), rescales=self.rescales(), load=self.load,
                       load_window=self.window, hpa_watch="\n".join(watched), hpa_events=tuple(self.hpa_events))

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.t0

    def ride_out(self, read: Callable[[], T]) -> T:
        """`read()`, retried while the API server does not answer, until the phase's end and at least RIDE_OUT_S."""
        deadline = self.t0 + max(self.ends, self.elapsed() + RIDE_OUT_S)
        return outage.ride_out(read, deadline, outage.named(self.kubectl), AGAIN, self.unanswered, self.clock)

    def watched(self, t: float, hpas: tuple[dict[str, Any], ...]) -> None:
        """One watch event: every autoscaler at that moment."""
        readings = tuple(cluster.hpa_reading(cast(k.HorizontalPodAutoscaler, h)) for h in hpas)  # as `get -o json`
        self.hpa_events.append(HpaEvent(round(t, 1), utc_now(), readings))

    def tick(self, phase: Phase) -> Sample:
        """Take one sample and the rescale events so far, show them, then wait one interval."""
        sample = self.ride_out(lambda: cluster.sample(self.kubectl, self.url, round(self.elapsed(), 1), utc_now(),
                                                      phase))
        for event in self.ride_out(lambda: cluster.rescale_events(self.kubectl, self.since)):
            self.events[(event.hpa, event.at, event.message)] = event
        if all(value is None for value in sample.throughput.values()):
            self.reopen()  # nothing answered through the forward: its kubectl may have ended
        self.samples.append(sample)
        self.show(sample, self.rescales())
        self.clock.sleep(self.request.interval_s)
        return sample

    def rescales(self) -> tuple[Rescale, ...]:
        return tuple(sorted(self.events.values(), key=lambda r: r.at))


def at_minimum(sample: Sample, names: tuple[str, ...]) -> bool:
    """Every autoscaler that exists is back at its minimum replicas."""
    return all(r.current <= r.minimum for r in sample.hpas if r.name in names)


def drive_load(rec: Recorder, load_objects: list[dict[str, Any]]) -> LoadReport:
    """Sample while the Job runs; its summary once it finished (or failed, or overran its deadline)."""
    request, deadline = rec.request, rec.elapsed() + rec.request.ramp_s + rec.request.duration_s + LOAD_GRACE_S
    rec.ends = deadline
    job_obj = load_objects[0]
    while True:
        rec.tick("load")
        outcome, reason = rec.ride_out(lambda: job.follow(rec.kubectl, job_obj))
        rec.window = (rec.window[0] if rec.window else 0.0, rec.elapsed())
        if outcome != "running":
            return job.read_summary(rec.kubectl, job_obj, outcome, reason)
        if rec.elapsed() > deadline:
            return LoadReport("failed", reason=f"still running {request.ramp_s + request.duration_s + LOAD_GRACE_S:g}"
                                               " s after it started")


def cool_down(rec: Recorder, names: tuple[str, ...]) -> None:
    """Sample until every autoscaler is at its minimum again, or the timeout passes."""
    ends = rec.ends = rec.elapsed() + rec.request.timeout_s
    while not at_minimum(rec.tick("cooldown"), names) and rec.elapsed() < ends:
        pass


def baseline_and_load(rec: Recorder, load_objects: list[dict[str, Any]]) -> None:
    """Baseline samples, then the Job under sampling until it ends; the Job and its policy deleted however it ends."""
    try:
        rec.ends = rec.elapsed() + rec.request.baseline_ticks * rec.request.interval_s
        for _ in range(rec.request.baseline_ticks):
            rec.tick("baseline")
        job.start(rec.kubectl, load_objects)
        rec.window = (rec.elapsed(), rec.elapsed())
        rec.load = drive_load(rec, load_objects)
    finally:
        rec.ride_out(lambda: job.delete(rec.kubectl, load_objects))  # idempotent: --ignore-not-found


def settings_in_force(settings: Settings) -> dict[str, Any]:
    """The autoscaling settings the report shows: the `autoscaling` section and the producer's HPA bounds."""
    producer = settings.producer
    return settings.autoscaling.model_dump() | {"producer_min_replicas": producer.min_replicas,
                                           "producer_max_replicas": producer.max_replicas,
                                           "producer_cpu_target_percent": producer.cpu_target_percent}


def run(kubectl: Kubectl, settings: Settings, request: Request,
        show: Callable[[Sample, tuple[Rescale, ...]], None],
        unanswered: Callable[[float], None] = lambda seconds: None) -> Timeline:
    """The whole test; a refusal (metrics-server or KEDA missing) comes back in `refusals` without any load sent.
    `unanswered(seconds)` is told how long the API server has not answered while a read is retried."""
    since = utc_now()
    timeline = Timeline(settings.namespace, since, request, settings_in_force(settings), objects.hpa_names(settings))
    refusal = cluster.refusal(kubectl, settings)
    if refusal:
        return replace(timeline, refusals=(refusal,))
    load_objects = objects.load_objects(settings, request)
    prometheus_service = services.target(topology.of_milestone(settings, objects.AUTOSCALED), services.PROMETHEUS)
    prometheus = Reforward(kubectl, *prometheus_service)
    prometheus.base()  # opened now: a Prometheus that cannot be reached fails the test before any load
    rec = Recorder(kubectl, through(prometheus), request, since, show, unanswered, reopen=prometheus.reset)
    watching = Watch(kubectl, list(HPA_WATCH))
    hpa_watch = ObjectWatch(kubectl, HPAS, rec.elapsed, rec.watched).start()
    try:
        baseline_and_load(rec, load_objects)
        cool_down(rec, timeline.hpa_names)
    except KeyboardInterrupt:
        rec.load = replace(rec.load, outcome="interrupted")
        raise Interrupted(rec.into(timeline, watching.stop())) from None
    finally:
        hpa_watch.stop()
        watched = watching.stop()
        prometheus.reset()
    return rec.into(timeline, watched)


def through(prometheus: Reforward) -> Callable[[str], str]:
    """URLs through the Prometheus forward, opened again after a tick that got no answer through it (kubectl
    port-forward ends when the API server restarts or Prometheus's pod is replaced). A forward that cannot open
    because the API server does not answer is ridden out with the sample; for another reason, that tick has no
    throughput."""
    def url(path: str) -> str:
        try:
            return prometheus.base() + path
        except PortForwardError as exc:
            if outage.unreachable_reason(exc) is not None:
                raise
            raise HttpError(str(exc)) from None

    return url
