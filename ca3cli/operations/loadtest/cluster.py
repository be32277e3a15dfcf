"""Edge: read one sample from the cluster (HPAs, Ready pods, rescale events through kubectl; throughput from
Prometheus through a port-forward), and the metrics-server preflight. Parsing kubectl's JSON is pure."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from ca3cli.core.kubeobjects import Event, HorizontalPodAutoscaler, KubeList, Pod, no_condition
from ca3cli.core.settings import Settings
from ca3cli.edges import answers, kube, kuberead
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.portforward import HttpError
from ca3cli.operations import preflight
from ca3cli.operations.loadtest.model import HpaReading, Phase, Rescale, Sample
from ca3cli.operations.status import HPA_NOT_YET, cpu_utilization

RATE_WINDOW = "1m"  # at least four of Prometheus's 10 s scrapes
PROMQL = {
    "produced": f"sum(rate(producer_messages_sent_total[{RATE_WINDOW}]))",
    "consumed": f"sum(rate(processor_messages_consumed_total[{RATE_WINDOW}]))",
    "written": f"sum(rate(processor_influxdb_writes_total[{RATE_WINDOW}]))",
    "lag": 'sum(kafka_consumergroup_lag{group="processor"})',
}
RESCALE_EVENTS = "--field-selector=reason=SuccessfulRescale,involvedObject.kind=HorizontalPodAutoscaler"


def hpa_reading(hpa: HorizontalPodAutoscaler) -> HpaReading:
    """One HPA object (autoscaling/v2) as the columns of `kubectl get hpa` plus its ScalingActive condition."""
    spec, status = hpa["spec"], hpa.get("status") or HPA_NOT_YET
    active = next((c for c in status.get("conditions") or [] if c.get("type") == "ScalingActive"), no_condition())
    return HpaReading(hpa["metadata"]["name"], int(status.get("currentReplicas", 0)),
                      int(status.get("desiredReplicas", 0)), int(spec.get("minReplicas", 1)),
                      int(spec.get("maxReplicas", 0)), cpu_utilization(status.get("currentMetrics") or [], "current"),
                      cpu_utilization(spec.get("metrics") or [], "target"), active.get("status") == "True",
                      active.get("message", ""))


def ready_pods(pods: KubeList[Pod]) -> dict[str, int]:
    """Ready pods per `app` label (a pod counts when its Ready condition is True)."""
    counts: dict[str, int] = {}
    for pod in pods.get("items", []):
        app = (pod["metadata"].get("labels") or {}).get("app", "")
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in pod.get("status", {}).get("conditions") or [])
        counts[app] = counts.get(app, 0) + int(ready)
    return counts


def rescales(events: KubeList[Event], since: str) -> list[Rescale]:
    """The `SuccessfulRescale` events at or after `since` (UTC, ISO 8601 to the second), oldest first."""
    found = []
    for event in events.get("items", []):
        at = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp") or ""
        if event.get("reason") == "SuccessfulRescale" and at[:19] >= since[:19]:
            found.append(Rescale(at, event["involvedObject"].get("name", ""), event.get("message", "")))
    return sorted(found, key=lambda r: r.at)


def refusal(kubectl: Kubectl, settings: Settings) -> str:
    """Why the autoscalers cannot work (metrics-server silent, KEDA missing in KEDA mode), or ""."""
    if settings.autoscaling.processor == "keda" and (keda := preflight.keda_check(kubectl)).status == "fail":
        return keda.message
    return metrics_refusal(kubectl, settings)


def metrics_refusal(kubectl: Kubectl, settings: Settings) -> str:
    """Why the autoscalers cannot read CPU (metrics-server does not answer for the namespace), or ""."""
    path = f"/apis/metrics.k8s.io/v1beta1/namespaces/{settings.namespace}/pods"
    result = kubectl.run("get", "--raw", path, namespaced=False, check=False, timeout=30)
    if result.returncode == 0:
        return ""
    major, minor, _ = preflight.server_version(preflight.reachable(kubectl))
    why = kube.reason(result.stderr or result.stdout) or f"exit code {result.returncode}"
    return (f"metrics-server does not answer for namespace {settings.namespace} ({why}), so neither autoscaler "
            f"can read CPU. {preflight.install_hint(settings.cluster.flavour, (major, minor))}")


def throughput(url: Callable[[str], str]) -> dict[str, float | None]:
    """Each PROMQL reading summed over its series; None when Prometheus had no answer or no series."""
    readings: dict[str, float | None] = {}
    for key, expr in PROMQL.items():
        try:
            result = answers.vector(url("/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
        except HttpError:
            result = []
        readings[key] = sum(float(s["value"][1]) for s in result) if result else None
    return readings


def sample(kubectl: Kubectl, url: Callable[[str], str], t: float, at: str, phase: Phase) -> Sample:
    """One tick: every HPA, Ready pods per app, and throughput."""
    hpas = kuberead.items(kubectl, HorizontalPodAutoscaler, "horizontalpodautoscalers.autoscaling", timeout=20)
    pods = kuberead.listing(kubectl, Pod, "pods", timeout=20)
    return Sample(t, at, phase, tuple(hpa_reading(h) for h in hpas), ready_pods(pods), throughput(url))


def rescale_events(kubectl: Kubectl, since: str) -> list[Rescale]:
    return rescales(kuberead.listing(kubectl, Event, "events", RESCALE_EVENTS, timeout=20), since)
