"""What a waited object looks like now (one poll), and the evidence shown when its wait fails.

The evidence is taken at the moment of failure, before a Job's deadline can remove its pod: each pod's conditions
and container states, the events of exactly those objects (by UID, so an earlier Job of the same name does not mix
in), and the last log lines of pods whose containers ran. Evidence calls are best-effort and never hide the failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ca3cli.core import readiness
from ca3cli.core.blockers import Observation, claim_names
from ca3cli.core.errors import Ca3Error
from ca3cli.core.kubeobjects import ContainerStatus, Event, PersistentVolumeClaim, Pod, Workload
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl

MAX_PODS = 3
LOG_LINES = 40
MAX_EVENTS = 20
CALL_TIMEOUT_S = 30
T = TypeVar("T")


@dataclass(frozen=True)
class Diagnosis:
    """The evidence for one failing object (`kind/name`)."""

    resource: str
    pods: list[str]  # each pod's phase, unmet conditions and container states; claims too
    events: list[str]
    logs: dict[str, str] = field(default_factory=dict)  # pod name -> its last log lines


def selector(workload: Workload | None) -> str:
    """A `-l` label selector from a workload's `spec.selector.matchLabels` ("" when it has none)."""
    spec = workload.get("spec", {}) if workload else {}
    labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def observe(kubectl: Kubectl, resource: str) -> tuple[Observation, readiness.Reading]:
    """One poll: the object, and what `around` adds to it."""
    kind, _, name = resource.partition("/")
    return around(kubectl, resource, kuberead.maybe(kubectl, Workload, kind, name, "--ignore-not-found",
                                                    timeout=CALL_TIMEOUT_S))


def around(kubectl: Kubectl, resource: str, obj: Workload | None) -> tuple[Observation, readiness.Reading]:
    """The object (None: not there) with its kstatus reading; unless it is Current, its pods, their Pending claims
    and, when a claim is Pending or no pod exists, the events (a claim's or a refused pod's cause) and a
    Deployment's ReplicaSets (they, not the Deployment, create its pods)."""
    kind = resource.partition("/")[0]
    reading = readiness.status(obj)
    label_selector = selector(obj)
    if reading.status == "Current" or not label_selector:
        return Observation(resource, obj), reading
    pods = _items(kubectl, Pod, "pods", "-l", label_selector)
    pending = claim_names([pod for pod in pods if (pod.get("status") or {}).get("phase") == "Pending"])
    claims = [claim for claim in _items(kubectl, PersistentVolumeClaim, "persistentvolumeclaims")
              if claim["metadata"]["name"] in pending] if pending else []
    events = _items(kubectl, Event, "events") if claims or not pods else []
    uid = obj["metadata"].get("uid", "") if obj else ""
    owned = [rs for rs in _items(kubectl, Workload, "replicasets", "-l", label_selector)
             if uid in owner_uids(rs)] if kind == "deployment" and not pods else []
    return Observation(resource, obj, pods, claims, events, owned), reading


def _items(kubectl: Kubectl, model: type[T], *args: str) -> list[T]:
    return kuberead.items(kubectl, model, *args, timeout=CALL_TIMEOUT_S)


def owner_uids(obj: Workload | Pod) -> set[str]:
    return {ref.get("uid", "") for ref in (obj.get("metadata") or {}).get("ownerReferences") or []}


def unhealthy_pods(pods: list[Pod]) -> list[Pod]:
    """Pods that are neither Succeeded nor fully ready; all pods when none is unhealthy (a slow rollout)."""
    bad = [p for p in pods if p.get("status", {}).get("phase") != "Succeeded" and not _all_ready(p)]
    return (bad or pods)[:MAX_PODS]


def _all_ready(pod: Pod) -> bool:
    statuses = pod.get("status", {}).get("containerStatuses")
    return bool(statuses) and all(c.get("ready") for c in statuses or [])


def containers(pod: Pod) -> list[ContainerStatus]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def ran(pod: Pod) -> bool:
    """Whether any container of the pod has started, so it has logs."""
    return any({"running", "terminated"} & set(c.get("state") or {}) or (c.get("lastState") or {}).get("terminated")
               for c in containers(pod))


def restarted(pod: Pod) -> bool:
    return any(c.get("restartCount", 0) > 0 for c in containers(pod))


def pod_lines(pod: Pod) -> list[str]:
    """The pod's phase, its conditions that are not True, and each container's state and restarts."""
    status = pod.get("status") or {}
    lines = [f"Pod {pod['metadata']['name']}: {status.get('phase', 'Unknown')}"]
    lines += [(f"  condition {c.get('type')}={c.get('status')} "
               f"{c.get('reason', '')}: {c.get('message', '')}").rstrip(": ")
              for c in status.get("conditions") or [] if c.get("status") != "True"]
    for container in containers(pod):
        states: Mapping[str, object] = container.get("state") or {"unknown": {}}
        state, detail = next(iter(states.items()))  # waiting, running or terminated, each with its own fields
        fields = detail if isinstance(detail, dict) else {}
        why = " ".join(str(fields[key]) for key in ("reason", "message") if fields.get(key))
        last: Mapping[str, object] = (container.get("lastState") or {}).get("terminated") or {}
        restarts = (f", restarted {container['restartCount']} times (last exit code {last.get('exitCode')}, "
                    f"{last.get('reason', '')})") if container.get("restartCount") else ""
        lines.append(f"  container {container.get('name')}: {state} {why}".rstrip() + restarts)
    return lines


def claim_line(claim: PersistentVolumeClaim) -> str:
    spec, phase = claim.get("spec") or {}, (claim.get("status") or {}).get("phase", "Unknown")
    return (f"PersistentVolumeClaim {claim['metadata']['name']}: {phase}, "
            f"StorageClass {spec.get('storageClassName') or '(none)'}")


def related_uids(seen: Observation, pods: list[Pod]) -> set[str]:
    """The UIDs whose events explain the failure: the object (or its ReplicaSets), the pods, their owners and claims."""
    uids = {creator["metadata"].get("uid", "") for creator in seen.creators}
    for pod in pods:
        uids.add(pod["metadata"].get("uid", ""))
        uids.update(owner_uids(pod))
    uids.update(claim["metadata"].get("uid", "") for claim in seen.claims)
    return uids - {""}


def _when(event: Event) -> str:
    """When an event last happened: core/v1 events carry lastTimestamp or only eventTime (events.k8s.io series)."""
    series = event.get("series") or {}
    return (event.get("lastTimestamp") or series.get("lastObservedTime") or event.get("eventTime")
            or event.get("metadata", {}).get("creationTimestamp") or "")


def event_lines(events: list[Event], uids: set[str]) -> list[str]:
    """Events about the objects with these UIDs, oldest first, as `Type Reason Kind/name: message (xN)` lines."""
    mine = sorted((e for e in events if (e.get("involvedObject") or {}).get("uid") in uids), key=_when)
    lines = []
    for event in mine[-MAX_EVENTS:]:
        about = event["involvedObject"]
        times = event.get("count") or (event.get("series") or {}).get("count") or 1
        count = f" (x{times})" if times > 1 else ""
        lines.append(f"{event.get('type', '')} {event.get('reason', '')} {about.get('kind')}/{about.get('name')}: "
                     f"{event.get('message', '').strip()}{count}")
    return lines


def _text(kubectl: Kubectl, *args: str) -> str:
    """Output of a read-only call, or the reason it failed; never raises."""
    try:
        result = kubectl.run(*args, check=False, timeout=CALL_TIMEOUT_S)
    except Ca3Error as exc:
        return str(exc)
    return (result.stdout if result.returncode == 0 else result.stderr or result.stdout).strip()


def _events(kubectl: Kubectl, seen: Observation) -> list[Event]:
    if seen.events:
        return seen.events
    try:
        return _items(kubectl, Event, "events")
    except Ca3Error:
        return []


def collect(kubectl: Kubectl, seen: Observation) -> Diagnosis:
    """The evidence of this moment: pod and claim states, events by UID, last logs of pods that ran."""
    pods = unhealthy_pods(seen.pods)
    states = [line for pod in pods for line in pod_lines(pod)] + [claim_line(claim) for claim in seen.claims]
    logs = {}
    for pod in (pod for pod in pods if ran(pod)):
        name = pod["metadata"]["name"]
        previous = ["--previous"] if restarted(pod) else []
        logs[name] = _text(kubectl, "logs", name, "--all-containers", f"--tail={LOG_LINES}", *previous)
    return Diagnosis(seen.resource, states, event_lines(_events(kubectl, seen), related_uids(seen, pods)), logs)
