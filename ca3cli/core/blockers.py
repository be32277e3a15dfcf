"""Final causes: states of a workload's pods and claims that waiting will not heal, so deploy stops at once.

Skaffold's deploy watch fails fast on the same states (ImagePullBackOff, ErrImagePull, InvalidImageName,
CrashLoopBackOff past a few restarts, CreateContainerConfigError, Unschedulable); a PersistentVolumeClaim that no
StorageClass can provision, and pods the API server refuses to create (PodSecurity, quota), are final too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ca3cli.core import readiness
from ca3cli.core.kubeobjects import Event, PersistentVolumeClaim, Pod, Workload

FINAL_WAITING = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError")
CRASH_LOOP_RESTARTS = 3  # a container may crash while what it needs starts; past this many restarts it is a cause
# kstatus's ScheduleWindow: right after creation the scheduler may be waiting for a volume to bind or a node to join.
UNSCHEDULABLE_GRACE_S = 15
WAITING_FOR_CLAIM = "unbound immediate PersistentVolumeClaims"  # the claim's own state says whether that is final

FIXES = {
    "Unschedulable": "make room for the pod (`kubectl get nodes`: uncordon a node or add one) or lower the resource "
                     "requests in ca3.yaml",
    "ImagePullBackOff": "check the image name and tag in ca3.yaml and that the cluster can pull it (`ca3 build` "
                        "loads the app images into a local cluster)",
    "CrashLoopBackOff": "fix what the container's last log lines above report",
    "CreateContainerConfigError": "create the Secret or ConfigMap key the message names (`ca3 init` recreates "
                                  "missing Secrets)",
    "FailedBinding": "mark a StorageClass as the default (`kubectl get storageclass`) or set `cluster.storage_class` "
                      "in ca3.yaml, and delete the Pending claim",
    "ProvisioningFailed": "fix the StorageClass's provisioner (see its events above) or choose another StorageClass in "
                          "`cluster.storage_class`, and delete the Pending claim",
    "FailedCreate": "change what the API server refuses (see the event above), for example the namespace's Pod "
                    "Security level",
}
SAME_FIX = {"ErrImagePull": "ImagePullBackOff", "InvalidImageName": "ImagePullBackOff"}


@dataclass(frozen=True)
class Blocker:
    """One final cause, e.g. `Pod kafka-0 Unschedulable: 0/1 nodes are available: ...`."""

    kind: str
    name: str
    reason: str
    message: str

    @property
    def fix(self) -> str:
        return FIXES[SAME_FIX.get(self.reason, self.reason)]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.reason}: {self.message.strip().rstrip('.')}"


@dataclass(frozen=True)
class Observation:
    """What one poll saw of a waited object: the object, its pods, their claims, and (when fetched) events and the
    ReplicaSets that create a Deployment's pods."""

    resource: str  # kubectl's name for it, e.g. statefulset/kafka
    obj: Workload | None
    pods: list[Pod] = field(default_factory=list)
    claims: list[PersistentVolumeClaim] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    replicasets: list[Workload] = field(default_factory=list)

    @property
    def creators(self) -> list[Workload]:
        """The objects that create the pods: the workload itself, or a Deployment's ReplicaSets."""
        return [*([self.obj] if self.obj else []), *self.replicasets]


def _name(obj: Workload | Pod | PersistentVolumeClaim) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _uid(obj: Workload | PersistentVolumeClaim) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def age_s(timestamp: str | None, now: datetime) -> float:
    """Seconds since an API timestamp (`2026-12-01T07:35:57Z`); 0 when there is none."""
    return (now - datetime.fromisoformat(timestamp)).total_seconds() if timestamp else 0.0


def unschedulable(pod: Pod, now: datetime) -> list[Blocker]:
    """The scheduler's `PodScheduled=False Unschedulable`, once it has held past the grace period."""
    scheduled = readiness.condition(pod, "PodScheduled")
    message = scheduled.get("message") or ""
    if scheduled.get("reason") != "Unschedulable" or WAITING_FOR_CLAIM in message:
        return []
    since = scheduled.get("lastTransitionTime") or (pod.get("metadata") or {}).get("creationTimestamp")
    if age_s(since, now) < UNSCHEDULABLE_GRACE_S:
        return []
    return [Blocker("Pod", _name(pod), "Unschedulable", message)]


def container_states(pod: Pod) -> list[Blocker]:
    """Containers (init containers too) waiting for a reason that does not heal."""
    status = pod.get("status") or {}
    found = []
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason", "")
        looping = reason == "CrashLoopBackOff" and container.get("restartCount", 0) >= CRASH_LOOP_RESTARTS
        if reason in FINAL_WAITING or looping:
            detail = waiting.get("message") or f"restarted {container.get('restartCount', 0)} times"
            found.append(Blocker("Pod", _name(pod), reason, f"container {container.get('name')}: {detail}"))
    return found


def warnings_about(obj: Workload | PersistentVolumeClaim, events: list[Event], reason: str) -> list[Event]:
    """Warning events of `reason` about this very object (by UID, so a deleted namesake's events never count)."""
    uid = _uid(obj)
    return [e for e in events if e.get("type") == "Warning" and e.get("reason") == reason
            and (e.get("involvedObject") or {}).get("uid") == uid]


def claim_state(claim: PersistentVolumeClaim, events: list[Event]) -> list[Blocker]:
    """A Pending claim that names no StorageClass (none is default), or whose provisioner failed."""
    if (claim.get("status") or {}).get("phase") != "Pending":
        return []
    spec = claim.get("spec") or {}
    if not spec.get("storageClassName") and not spec.get("volumeName"):
        return [Blocker("PersistentVolumeClaim", _name(claim), "FailedBinding",  # the PV controller's words for it
                        "no persistent volumes available for this claim and no storage class is set")]
    failed = warnings_about(claim, events, "ProvisioningFailed")
    return [Blocker("PersistentVolumeClaim", _name(claim), "ProvisioningFailed", failed[-1].get("message", ""))
            ] if failed else []


def refused_pods(obj: Workload, events: list[Event]) -> list[Blocker]:
    """The controller's `FailedCreate ... is forbidden` (Pod Security, quota): its pods are never admitted."""
    refused = [e for e in warnings_about(obj, events, "FailedCreate") if "forbidden" in e.get("message", "")]
    kind = str(obj.get("kind", ""))
    return [Blocker(kind, _name(obj), "FailedCreate", refused[-1]["message"])] if refused else []


def find(seen: Observation, now: datetime) -> list[Blocker]:
    """Every final cause in one poll's observation, pods first."""
    found = [b for pod in seen.pods for b in [*unschedulable(pod, now), *container_states(pod)]]
    found += [b for claim in seen.claims for b in claim_state(claim, seen.events)]
    return found + [b for creator in seen.creators for b in refused_pods(creator, seen.events)]


def claim_names(pods: list[Pod]) -> set[str]:
    """The PersistentVolumeClaims the pods mount."""
    return {volume["persistentVolumeClaim"]["claimName"] for pod in pods
            for volume in (pod.get("spec") or {}).get("volumes") or [] if "persistentVolumeClaim" in volume}
