"""Kubernetes objects and timelines for the load-test tests, derived from real recordings (K8s 1.28, kubectl 1.28):
the HPA list of `kubectl get hpa -o json` without metrics-server, `kubectl get events -o json`, a finished Job.

`hpa(...)` turns the recorded producer HPA into any state (name, replicas, CPU); `timeline(...)` strings such states
into the samples a load test would have taken, so the analysis is tested on shapes kubectl really prints.
"""

from __future__ import annotations

import copy
from typing import Any

from ca3cli.operations.loadtest import cluster
from ca3cli.operations.loadtest.model import LoadReport, Phase, Request, Rescale, Sample, Timeline
from tests.fixtures.kubectl import fixture_json

NAMESPACE = "conveyor-pipeline"
RECORDED_HPA = fixture_json("recorded/get-hpa.json")["items"][0]
RECORDED_EVENT = next(e for e in fixture_json("recorded/get-events.json")["items"]
                      if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler")
NO_METRICS_MESSAGE = next(c["message"] for c in RECORDED_HPA["status"]["conditions"] if c["type"] == "ScalingActive")
REQUEST = Request(rate=1000, duration_s=60, ramp_s=10, timeout_s=300, interval_s=5, baseline_s=10)
INTERVAL = 5.0


def hpa(name: str, current: int, cpu: int | None, desired: int | None = None, maximum: int = 5) -> dict[str, Any]:
    """The recorded producer HPA renamed to `name`, with `current` replicas and a CPU reading (None: no metrics)."""
    obj = copy.deepcopy(RECORDED_HPA)
    obj["metadata"]["name"] = name
    obj["metadata"]["labels"] |= {"app": name, "app.kubernetes.io/name": name}
    obj["spec"]["scaleTargetRef"]["name"] = name
    obj["spec"]["maxReplicas"] = maximum
    status = obj["status"]
    status["currentReplicas"], status["desiredReplicas"] = current, current if desired is None else desired
    if cpu is not None:
        active = next(c for c in status["conditions"] if c["type"] == "ScalingActive")
        active |= {"status": "True", "reason": "ValidMetricFound", "message": "the HPA was able to successfully "
                   "calculate a replica count from cpu resource utilization (percentage of request)"}
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": cpu, "averageValue": f"{cpu // 2}m"}}}]
    return obj


def hpa_list(*hpas: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "items": list(hpas), "kind": "List", "metadata": {"resourceVersion": ""}}


def rescale_event(name: str, at: str, size: int, reason: str) -> dict[str, Any]:
    """A `SuccessfulRescale` event in the recorded event's shape (`New size: N; reason: ...`)."""
    event = copy.deepcopy(RECORDED_EVENT)
    event["involvedObject"]["name"] = name
    event["metadata"]["name"] = f"{name}.{size}{at[-3:-1]}"
    event |= {"reason": "SuccessfulRescale", "type": "Normal", "count": 1, "firstTimestamp": at, "lastTimestamp": at,
              "message": f"New size: {size}; reason: {reason}"}
    return event


UP = "cpu resource utilization (percentage of request) above target"
DOWN = "All metrics below target"

# (phase, producer (replicas, cpu), processor (replicas, cpu), produced/s): a clean 1 -> 3 -> 1 cycle of both tiers.
CLEAN = [
    ("baseline", (1, 10), (1, 8), 3.0), ("baseline", (1, 10), (1, 8), 3.0),
    ("load", (1, 140), (1, 90), 400.0), ("load", (3, 70), (2, 60), 950.0), ("load", (3, 60), (3, 45), 990.0),
    ("cooldown", (3, 5), (3, 4), 200.0), ("cooldown", (2, 6), (2, 5), 3.0), ("cooldown", (1, 9), (1, 8), 3.0),
]


def sample(index: int, phase: Phase, producer: tuple[int, int | None], processor: tuple[int, int | None],
           produced: float | None) -> Sample:
    readings = (cluster.hpa_reading(hpa("producer", *producer)), cluster.hpa_reading(hpa("processor", *processor,
                                                                                        maximum=6)))
    return Sample(index * INTERVAL, f"2026-12-01T08:{index // 12:02d}:{index * 5 % 60:02d}Z", phase, readings,
                  {"producer": producer[0], "processor": processor[0]},
                  {"produced": produced, "consumed": produced, "written": produced, "lag": 0.0})


def timeline(rows: list[Any], load: LoadReport | None = None, refusals: tuple[str, ...] = ()) -> Timeline:
    samples = tuple(sample(i, *row) for i, row in enumerate(rows))
    loaded = [s.t for s in samples if s.phase == "load"]
    rescales = (Rescale("2026-12-01T08:00:15Z", "producer", f"New size: 3; reason: {UP}"),
                Rescale("2026-12-01T08:00:30Z", "producer", f"New size: 1; reason: {DOWN}"))
    return Timeline(NAMESPACE, "2026-12-01T08:00:00Z", REQUEST, {"scale_down_window_s": 60},
                    ("producer", "processor"), samples, rescales,
                    load or LoadReport("complete", sent=70_000, accepted=70_000),
                    (loaded[0], loaded[-1] + INTERVAL) if loaded else None, refusals)
