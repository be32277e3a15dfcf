"""Whether a live object is ready, judged from its own status the way kstatus (sigs.k8s.io/cli-utils) does.

`Current` when the controller has observed the latest spec and the kind's counters agree, `Failed` when a final
condition says so (Job Failed, Deployment ProgressDeadlineExceeded), `InProgress` otherwise. One pure function per
kind, fed by `kubectl get -o json`; deploy and cluster creation poll these instead of `kubectl rollout status` /
`kubectl wait`. A node is Current once Ready.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from ca3cli.core.kubeobjects import Condition, Pod, Workload, no_condition

Status = Literal["Current", "InProgress", "Failed"]


@dataclass(frozen=True)
class Reading:
    """The status of one object and kstatus's reason for it, e.g. InProgress "Ready: 0/1"."""

    status: Status
    message: str


def _current(message: str) -> Reading:
    return Reading("Current", message)


def _in_progress(message: str) -> Reading:
    return Reading("InProgress", message)


def _int(obj: Workload, section: Literal["spec", "status"], key: str, default: int = 0) -> int:
    values: Mapping[str, object] = obj.get(section) or {}
    value = values.get(key)
    return default if value is None else int(cast(int, value))  # the API's counters are int32


def condition(obj: Workload | Pod, kind: str) -> Condition:
    """The `status.conditions` entry of type `kind`, or {} when there is none."""
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), no_condition())


def deployment(obj: Workload) -> Reading:
    """updated == ready == available == replicas and the new ReplicaSet available; ProgressDeadlineExceeded fails."""
    progressing = condition(obj, "Progressing")
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return Reading("Failed", progressing.get("message") or "Progress deadline exceeded")
    want = _int(obj, "spec", "replicas", 1)
    have, updated = _int(obj, "status", "replicas"), _int(obj, "status", "updatedReplicas")
    ready, available = _int(obj, "status", "readyReplicas"), _int(obj, "status", "availableReplicas")
    if want > have:
        return _in_progress(f"Replicas: {have}/{want}")
    if want > updated:
        return _in_progress(f"Updated: {updated}/{want}")
    if have > want:
        return _in_progress(f"Pending termination: {have - want}")
    if updated > available:
        return _in_progress(f"Available: {available}/{updated}")
    if want > ready:
        return _in_progress(f"Ready: {ready}/{want}")
    deadline_set = (obj.get("spec") or {}).get("progressDeadlineSeconds") is not None
    if deadline_set and not (progressing.get("status") == "True"
                             and progressing.get("reason") == "NewReplicaSetAvailable"):
        return _in_progress("ReplicaSet not Available")
    if condition(obj, "Available").get("status") != "True":
        return _in_progress("Deployment not Available")
    return _current(f"Deployment is available. Replicas: {have}")


def statefulset(obj: Workload) -> Reading:
    """readyReplicas == replicas and, unless a partition limits the rollout, currentRevision == updateRevision."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
        return _current("StatefulSet is using the OnDelete update strategy")
    want, have = _int(obj, "spec", "replicas", 1), _int(obj, "status", "replicas")
    ready, current = _int(obj, "status", "readyReplicas"), _int(obj, "status", "currentReplicas")
    partition = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition")
    if want > have:
        return _in_progress(f"Replicas: {have}/{want}")
    if want > ready:
        return _in_progress(f"Ready: {ready}/{want}")
    if have > want:
        return _in_progress(f"Pending termination: {have - want}")
    if partition:  # only ordinals >= partition are updated
        updated = _int(obj, "status", "updatedReplicas")
        if updated < want - int(partition):
            return _in_progress(f"Updated: {updated}/{want - int(partition)}")
        return _current(f"Partition rollout complete. Updated: {updated}")
    if want > current:
        return _in_progress(f"Current: {current}/{want}")
    if status.get("currentRevision") != status.get("updateRevision"):
        return _in_progress("Waiting for the update revision to become current")
    return _current(f"All replicas scheduled as expected. Replicas: {have}")


def daemonset(obj: Workload) -> Reading:
    """Every node that should run a pod has a current, updated, available and ready one."""
    if "observedGeneration" not in (obj.get("status") or {}):
        return _in_progress("The DaemonSet controller has not observed it yet")
    desired = _int(obj, "status", "desiredNumberScheduled", -1)
    if desired == -1:
        return _in_progress("Missing status.desiredNumberScheduled")
    for key, label in (("currentNumberScheduled", "Current"), ("updatedNumberScheduled", "Updated"),
                       ("numberAvailable", "Available"), ("numberReady", "Ready")):
        if desired > _int(obj, "status", key):
            return _in_progress(f"{label}: {_int(obj, 'status', key)}/{desired}")
    return _current(f"All replicas scheduled as expected. Replicas: {desired}")


def job(obj: Workload) -> Reading:
    """Current once Complete, Failed once Failed (backoff limit or active deadline); a running Job is InProgress."""
    succeeded, failed, active = (_int(obj, "status", key) for key in ("succeeded", "failed", "active"))
    outcomes: tuple[tuple[str, Status], ...] = (("Failed", "Failed"), ("Complete", "Current"))
    for kind, status in outcomes:
        found = condition(obj, kind)
        if found.get("status") == "True":
            why = found.get("message") or found.get("reason") or kind
            return Reading(status, f"Job {kind.lower()}: {why} (succeeded {succeeded}, failed {failed})")
    if not (obj.get("status") or {}).get("startTime"):
        return _in_progress("Job not started")
    return _in_progress(f"Job in progress: succeeded {succeeded}, active {active}, failed {failed}")


def node(obj: Workload) -> Reading:
    """A node is Current once its Ready condition is True; until then its reason (e.g. the CNI not ready yet)."""
    ready = condition(obj, "Ready")
    if ready.get("status") == "True":
        return _current("Node is Ready")
    why = ": ".join(str(ready[key]) for key in ("reason", "message") if ready.get(key)) or "no Ready condition yet"
    return _in_progress(f"Node not Ready: {why}")


def persistentvolumeclaim(obj: Workload) -> Reading:
    phase = (obj.get("status") or {}).get("phase") or "unknown"
    return _current("PVC is Bound") if phase == "Bound" else _in_progress(f"PVC is not Bound: phase {phase}")


BY_KIND: dict[str, Callable[[Workload], Reading]] = {
    "Deployment": deployment, "StatefulSet": statefulset, "DaemonSet": daemonset, "Job": job,
    "PersistentVolumeClaim": persistentvolumeclaim, "Node": node,
}


def status(obj: Workload | None) -> Reading:
    """The kstatus reading of a live object (None: not created yet); kinds without rules are Current once seen."""
    if not obj:
        return _in_progress("Not found yet")
    meta, observed = obj.get("metadata") or {}, (obj.get("status") or {}).get("observedGeneration")
    if meta.get("deletionTimestamp"):
        return _in_progress("Terminating")
    if observed is not None and int(observed) < int(meta.get("generation") or 0):
        return _in_progress(f"Generation {meta.get('generation')} not observed yet (observed {observed})")
    rule = BY_KIND.get(obj.get("kind", ""))
    return rule(obj) if rule else _current(f"{obj.get('kind', 'Object')} exists")
