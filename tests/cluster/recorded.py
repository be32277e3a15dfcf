"""Objects from the real Kubernetes 1.28 recordings (tests/fixtures/kubectl/recorded/), and states derived from them.

The recordings had no kubelet, so container states a kubelet writes (ImagePullBackOff, CrashLoopBackOff) and a
claim with no StorageClass are derived here from a recorded pod or claim, in the shape the kubelet and the API
server give them; everything else is as recorded.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from tests.fixtures.kubectl import fixture_json

Obj = dict[str, Any]


def recorded(name: str) -> Any:
    return fixture_json(f"recorded/{name}")


def listed(*items: Obj) -> Obj:
    """A `kubectl get ... -o json` list, as kubectl wraps several objects."""
    return {"apiVersion": "v1", "items": list(items), "kind": "List", "metadata": {"resourceVersion": ""}}


def item(name: str, kind: str, object_name: str) -> Obj:
    """One object of a recorded list."""
    return copy.deepcopy(next(i for i in recorded(name)["items"]
                              if i["kind"] == kind and i["metadata"]["name"] == object_name))


def ready(kind: str) -> Obj:
    """A recorded object of `kind` in its final, healthy state (Current)."""
    single = {"statefulset": "get-statefulset-kafka.json", "deployment": "get-deployment-producer.json",
              "job": "get-job-kafka-topic-create.json"}
    if kind in single:
        return recorded(single[kind])
    return item("get-all.json", "DaemonSet", "promtail")


def auth_secret(tokens: bool = True) -> Obj:
    """Secret influxdb-auth as recorded right after ca3 applied it (its admin keys only: with no kubelet, InfluxDB's
    first start never ran); with `tokens`, as that start leaves it, the two keys its script patches in added."""
    secret = recorded("get-secret-influxdb-auth.json")
    if tokens:
        secret["data"].update({key: base64.b64encode(f"token-from-first-start-{key}".encode()).decode()
                               for key in ("processor-token", "grafana-token")})
    return secret


def pod(name: str = "kafka-0") -> Obj:
    return item("get-pods.json", "Pod", name)


def waiting(base: Obj, reason: str, message: str, restarts: int = 0) -> Obj:
    """`base` with its first container waiting for `reason`, not ready, after `restarts` restarts."""
    derived = copy.deepcopy(base)
    status = derived["status"]
    for condition in status["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition.update(status="False", reason="ContainersNotReady",
                             message=f"containers with unready status: [{status['containerStatuses'][0]['name']}]")
    container = status["containerStatuses"][0]
    container.update(ready=False, started=False, restartCount=restarts, state={"waiting": {"reason": reason,
                                                                                          "message": message}})
    if restarts:
        container["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-12-01T07:34:01Z",
                                                 "finishedAt": "2026-12-01T07:34:03Z"}}
    return derived


def image_pull_backoff(base: Obj) -> Obj:
    image = base["spec"]["containers"][0]["image"]
    return waiting(base, "ImagePullBackOff", f'Back-off pulling image "{image}"')


def crash_loop(base: Obj, restarts: int = 5) -> Obj:
    name, pod_name = base["spec"]["containers"][0]["name"], base["metadata"]["name"]
    return waiting(base, "CrashLoopBackOff", f"back-off 2m40s restarting failed container={name} pod={pod_name}_"
                                             f"{base['metadata']['namespace']}({base['metadata']['uid']})", restarts)


def pending_on_claim(base: Obj) -> Obj:
    """`base` not scheduled because its claim is unbound, as the 1.28 scheduler reports it."""
    derived = copy.deepcopy(base)
    derived["status"] = {"phase": "Pending", "qosClass": base["status"]["qosClass"], "conditions": [{
        "lastProbeTime": None, "lastTransitionTime": "2026-12-01T07:33:41Z", "status": "False", "type": "PodScheduled",
        "reason": "Unschedulable", "message": "0/1 nodes are available: pod has unbound immediate "
        "PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."}]}
    derived["spec"].pop("nodeName", None)
    return derived


def claim_without_storage_class(name: str = "data-kafka-0") -> Obj:
    """A recorded claim as created on a cluster with no default StorageClass: Pending, no class, no volume."""
    claim = item("get-pvc.json", "PersistentVolumeClaim", name)
    for key in ("storageClassName", "volumeName"):
        claim["spec"].pop(key)
    claim["metadata"]["annotations"] = {}
    claim["status"] = {"phase": "Pending"}
    return claim


def in_progress_statefulset() -> Obj:
    """The recorded kafka StatefulSet while its one pod is not ready yet."""
    derived = recorded("get-statefulset-kafka.json")
    derived["status"].update(readyReplicas=0, availableReplicas=0)
    return derived


def in_progress_deployment(name: str) -> Obj:
    """A recorded Deployment of milestone 6 while its new pod is not available yet, as the controller reports it."""
    derived = item("get-deployments.json", "Deployment", name)
    derived["status"].update(readyReplicas=0, availableReplicas=0, unavailableReplicas=1)
    readiness_of = {c["type"]: c for c in derived["status"]["conditions"]}
    readiness_of["Available"].update(status="False", reason="MinimumReplicasUnavailable",
                                     message="Deployment does not have minimum availability.")
    readiness_of["Progressing"].update(reason="ReplicaSetUpdated", message=f'ReplicaSet "{name}" is progressing.')
    return derived


def running_job(name: str, uid: str) -> Obj:
    """The recorded topic Job as a new Job `name` whose pod is still to run (status as the Job controller writes)."""
    job = recorded("get-job-kafka-topic-create.json")
    job["metadata"].update(name=name, uid=uid)
    job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"] = uid
    job["status"] = {"active": 1, "ready": 0, "startTime": "2026-12-01T07:40:00Z", "uncountedTerminatedPods": {}}
    return job


def unschedulable_job_pod(job: Obj, pod_uid: str) -> Obj:
    """The recorded topic Job's pod as the pod of `job`, Pending on a node marked unschedulable."""
    pod = item("get-pods.json", "Pod", "kafka-topic-create-ztmmt")
    pod["metadata"].update(name=f"{job['metadata']['name']}-q7r2x", uid=pod_uid)
    pod["metadata"]["ownerReferences"][0].update(name=job["metadata"]["name"], uid=job["metadata"]["uid"])
    for key in ("batch.kubernetes.io/controller-uid", "controller-uid", "batch.kubernetes.io/job-name", "job-name"):
        pod["metadata"]["labels"][key] = job["metadata"]["uid" if key.endswith("uid") else "name"]
    pod["spec"].pop("nodeName", None)
    pod["status"] = {"phase": "Pending", "qosClass": "Burstable", "conditions": [{
        "lastProbeTime": None, "lastTransitionTime": "2026-12-01T07:40:00Z", "status": "False", "type": "PodScheduled",
        "reason": "Unschedulable", "message": "0/1 nodes are available: 1 node(s) were unschedulable. preemption: "
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling.."}]}
    return pod


def warning(about: Obj, reason: str, message: str, component: str) -> Obj:
    """A Warning event about `about` (by UID), in the core/v1 shape the 1.28 recordings show."""
    meta = about["metadata"]
    return {"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": reason, "message": message,
            "count": 1, "eventTime": None, "firstTimestamp": "2026-12-01T07:40:01Z",
            "lastTimestamp": "2026-12-01T07:40:01Z", "source": {"component": component},
            "involvedObject": {"apiVersion": about["apiVersion"], "kind": about["kind"], "name": meta["name"],
                               "namespace": meta["namespace"], "uid": meta["uid"]},
            "metadata": {"name": f"{meta['name']}.18ed11a000000000", "namespace": meta["namespace"]}}


def in_kube_system(base: Obj, name: str) -> Obj:
    """A recorded workload as kube-system's `name` (Calico's DaemonSet, metrics-server's Deployment): same shape and
    status, its own name, namespace and UID."""
    derived = copy.deepcopy(base)
    derived["metadata"].update(name=name, namespace="kube-system", uid=f"{base['metadata']['uid'][:-12]}0000{name[:8]}")
    return derived


def unready_node(base: Obj) -> Obj:
    """The recorded node before its CNI is up, with the Ready condition the kubelet then reports."""
    derived = copy.deepcopy(base)
    ready_condition = next(c for c in derived["status"]["conditions"] if c["type"] == "Ready")
    ready_condition.update(status="False", reason="KubeletNotReady",
                           message="container runtime network not ready: NetworkReady=false "
                                   "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not "
                                   "initialized")
    return derived


def label_owner(manager: str, operation: str, labels: dict[str, str]) -> Obj:
    """One `metadata.managedFields` entry (ManagedFieldsEntry, FieldsV1) owning `labels`: what
    `kubectl get --show-managed-fields` returns for the manager that set them (`kubectl label` is `kubectl-label`,
    an Update)."""
    return {"apiVersion": "v1", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {f"f:{key}": {} for key in labels}}},
            "manager": manager, "operation": operation, "time": "2026-12-01T07:35:02Z"}


def namespace_with_owners(*owners: tuple[str, str, dict[str, str]]) -> Obj:
    """The recorded namespace with its managedFields shown: ca3's apply owns its labels, each of `owners`
    (manager, operation, labels) set and owns more."""
    namespace = recorded("get-namespace-conveyor-pipeline.json")
    meta = namespace["metadata"]
    applied = {key: value for key, value in meta["labels"].items() if key != "kubernetes.io/metadata.name"}
    entries = [label_owner("ca3", "Apply", applied)]
    for manager, operation, labels in owners:
        meta["labels"].update(labels)
        entries.append(label_owner(manager, operation, labels))
    meta["managedFields"] = entries
    return namespace
