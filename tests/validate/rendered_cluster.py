"""A healthy cluster derived from rendered manifests: what the API server would return after `ca3 deploy` applied
them and every controller finished, so the validate tests read the same names the templates give.

Each rendered object gains what the server adds (uid, resourceVersion, creationTimestamp, an allocated clusterIP,
base64 `data` instead of `stringData`, the runtime keys InfluxDB writes) and the status its controller reports; the
shapes follow the real 1.28 outputs in tests/fixtures/kubectl/recorded/ (get-pods, get-statefulset-kafka,
get-deployment-producer, get-svc). Pods, ReplicaSet-style names and EndpointSlices are made the way the
controllers make them: one pod per replica (one per node for a DaemonSet), endpoints for the pods a Service selects.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ca3cli.core import render, template_values
from ca3cli.core.render import Manifest
from ca3cli.core.settings import Settings
from ca3cli.core.topology import RUNTIME_KEYS, WORKLOAD_KINDS

AT = "2026-12-01T07:33:51Z"
NODE = "ca3-control-plane"


def _hash(*parts: str, size: int = 10) -> str:
    """A stable lower-case suffix like the ones controllers generate (`848b9d6d7`, `gvhjt`)."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return digest[:size]


def _suffix(*parts: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    number = int(_hash(*parts, size=12), 16)
    return "".join(alphabet[(number >> (5 * i)) % len(alphabet)] for i in range(5))


def _served(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The object as the server returns it: server-set metadata added."""
    live = copy.deepcopy(obj)
    meta = live["metadata"]
    if live["kind"] != "Namespace":
        meta.setdefault("namespace", namespace)
    meta.update(uid=f"uid-{_hash(live['kind'], meta['name'], size=12)}", resourceVersion="3260",
                creationTimestamp="2026-12-01T07:33:41Z")
    if live["kind"] in (*WORKLOAD_KINDS, "Job"):
        meta["generation"] = 1
    return live


def _secret(obj: dict[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """`stringData` is write-only: the server stores it base64-encoded under `data`, with the keys added later."""
    string_data = obj.pop("stringData", None) or {}
    later = (obj["metadata"].get("annotations") or {}).get(RUNTIME_KEYS, "")
    data = dict(obj.get("data") or {})
    for key, value in {**string_data, **{k: values.get(k, f"{k}-value-0123456789") for k in later.split(",") if k}
                       }.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    obj["data"] = data
    obj.setdefault("type", "Opaque")
    return obj


def _pod(owner: dict[str, Any], name: str, owner_kind: str, owner_name: str, extra: dict[str, str],
         ip: str) -> dict[str, Any]:
    template = owner["spec"]["template"]
    finished = owner["kind"] == "Job"
    statuses = []
    for container in template["spec"]["containers"]:
        state = ({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": AT, "finishedAt": AT}}
                 if finished else {"running": {"startedAt": AT}})
        statuses.append({"containerID": f"containerd://{_hash(name, container['name'], size=16)}",
                         "image": container["image"], "imageID": f"docker.io/{container['image']}",
                         "lastState": {}, "name": container["name"], "ready": not finished, "restartCount": 0,
                         "started": not finished, "state": state})
    conditions = [{"lastProbeTime": None, "lastTransitionTime": AT, "status": "False" if finished and kind in (
        "Ready", "ContainersReady") else "True", "type": kind}
        for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
    metadata = {"name": name, "namespace": owner["metadata"]["namespace"],
                "labels": {**template["metadata"].get("labels", {}), **extra},
                "annotations": dict(template["metadata"].get("annotations") or {}),
                "ownerReferences": [{"apiVersion": "batch/v1" if finished else "apps/v1", "blockOwnerDeletion": True,
                                     "controller": True, "kind": owner_kind, "name": owner_name,
                                     "uid": f"uid-{_hash(owner_kind, owner_name, size=12)}"}],
                "uid": f"uid-{_hash('Pod', name, size=12)}", "resourceVersion": "3358",
                "creationTimestamp": "2026-12-01T07:33:49Z"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {**copy.deepcopy(template["spec"]), "nodeName": NODE},
            "status": {"conditions": conditions, "containerStatuses": statuses, "hostIP": "172.18.0.2",
                       "phase": "Succeeded" if finished else "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                       "qosClass": "Burstable", "startTime": AT}}


def _pods(workload: dict[str, Any], first_ip: int) -> list[dict[str, Any]]:
    """The pods a workload's controller creates, named the way it names them."""
    name, kind = workload["metadata"]["name"], workload["kind"]
    replicas = 1 if kind in ("DaemonSet", "Job") else workload["spec"].get("replicas", 1)
    pods = []
    for i in range(replicas):
        ip = f"10.244.0.{first_ip + i}"
        if kind == "StatefulSet":
            revision = f"{name}-{_hash(name, size=10)}"
            extra = {"controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                     "apps.kubernetes.io/pod-index": str(i)}
            pods.append(_pod(workload, f"{name}-{i}", "StatefulSet", name, extra, ip))
        elif kind == "Deployment":
            template_hash = _hash(name, size=9)
            pods.append(_pod(workload, f"{name}-{template_hash}-{_suffix(name, str(i))}", "ReplicaSet",
                             f"{name}-{template_hash}", {"pod-template-hash": template_hash}, ip))
        elif kind == "DaemonSet":
            extra = {"controller-revision-hash": _hash(name, size=10), "pod-template-generation": "1"}
            pods.append(_pod(workload, f"{name}-{_suffix(name, NODE)}", "DaemonSet", name, extra, ip))
        else:
            extra = {"batch.kubernetes.io/job-name": name, "job-name": name}
            pods.append(_pod(workload, f"{name}-{_suffix(name)}", "Job", name, extra, ip))
    return pods


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    """The status a workload's controller reports once every pod is Ready (or the Job has succeeded)."""
    kind, name = obj["kind"], obj["metadata"]["name"]
    if kind == "Deployment":
        n = obj["spec"].get("replicas", 1)
        return {"availableReplicas": n, "observedGeneration": 1, "readyReplicas": n, "replicas": n,
                "updatedReplicas": n, "conditions": [
                    {"lastTransitionTime": AT, "lastUpdateTime": AT, "message": "Deployment has minimum availability.",
                     "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                    {"lastTransitionTime": AT, "lastUpdateTime": AT,
                     "message": f'ReplicaSet "{name}-{_hash(name, size=9)}" has successfully progressed.',
                     "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}]}
    if kind == "StatefulSet":
        n, revision = obj["spec"].get("replicas", 1), f"{name}-{_hash(name, size=10)}"
        return {"availableReplicas": n, "collisionCount": 0, "currentReplicas": n, "currentRevision": revision,
                "observedGeneration": 1, "readyReplicas": n, "replicas": n, "updateRevision": revision,
                "updatedReplicas": n}
    if kind == "DaemonSet":
        return {"currentNumberScheduled": 1, "desiredNumberScheduled": 1, "numberAvailable": 1,
                "numberMisscheduled": 0, "numberReady": 1, "observedGeneration": 1, "updatedNumberScheduled": 1}
    return {"active": 0, "completionTime": AT, "ready": 0, "startTime": AT, "succeeded": 1,
            "uncountedTerminatedPods": {},
            "conditions": [{"lastProbeTime": AT, "lastTransitionTime": AT, "status": "True", "type": "Complete"}]}


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _endpoint_slice(service: dict[str, Any], pods: list[dict[str, Any]]) -> dict[str, Any]:
    name = service["metadata"]["name"]
    chosen = [p for p in pods if p["status"]["phase"] == "Running"
              and _selects(service["spec"].get("selector") or {}, p["metadata"]["labels"])]
    container_ports = {port["name"]: port["containerPort"] for pod in chosen[:1]
                       for c in pod["spec"]["containers"] for port in c.get("ports") or [] if "name" in port}
    ports = [{"name": port.get("name", ""), "port": container_ports.get(port["targetPort"], port["targetPort"])
              if isinstance(port.get("targetPort"), str) else port.get("targetPort", port["port"]), "protocol": "TCP"}
             for port in service["spec"]["ports"]]
    endpoints = [{"addresses": [pod["status"]["podIP"]], "conditions": {"ready": True, "serving": True,
                                                                       "terminating": False},
                  "nodeName": NODE, "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"],
                                                  "namespace": pod["metadata"]["namespace"],
                                                  "uid": pod["metadata"]["uid"]}} for pod in chosen]
    return {"addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "endpoints": endpoints, "ports": ports,
            "metadata": {"name": f"{name}-{_suffix(name)}", "namespace": service["metadata"]["namespace"],
                         "generateName": f"{name}-", "uid": f"uid-{_hash('EndpointSlice', name, size=12)}",
                         "resourceVersion": "3400", "creationTimestamp": AT,
                         "labels": {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                                    "kubernetes.io/service-name": name}}}


@dataclass
class LiveCluster:
    """Every object of a deployed milestone by kind, as `kubectl get <kind> -o json` lists them."""

    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, *kinds: str) -> list[dict[str, Any]]:
        return [obj for kind in kinds for obj in self.by_kind.get(kind, [])]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        return next(obj for obj in self.of(kind) if obj["metadata"]["name"] == name)


def live(manifests: Iterable[Manifest], values: Mapping[str, str] | None = None) -> LiveCluster:
    """The cluster `ca3 deploy` leaves once everything is Ready, from the manifests it applied."""
    cluster = LiveCluster()
    documents = [doc for manifest in manifests for doc in manifest.documents]
    namespace = next(doc["metadata"]["name"] for doc in documents if doc["kind"] == "Namespace")
    for index, doc in enumerate(documents):
        obj = _served(doc, namespace)
        if obj["kind"] == "Secret":
            _secret(obj, values or {})
        elif obj["kind"] == "Service":
            obj["status"] = {"loadBalancer": {}}
            ip = obj["spec"].get("clusterIP") or f"10.96.{100 + index}.{10 + index}"
            obj["spec"].update(clusterIP=ip, clusterIPs=[ip], sessionAffinity="None",
                               type=obj["spec"].get("type", "ClusterIP"))
        elif obj["kind"] == "Namespace":
            obj.update(spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})
        if obj["kind"] in (*WORKLOAD_KINDS, "Job"):
            obj["status"] = _status(obj)
            cluster.by_kind.setdefault("Pod", []).extend(_pods(obj, 10 + 4 * len(cluster.of("Pod"))))
        cluster.by_kind.setdefault(obj["kind"], []).append(obj)
    pods = cluster.of("Pod")
    cluster.by_kind["EndpointSlice"] = [_endpoint_slice(s, pods) for s in cluster.of("Service")]
    return cluster


def rendered(milestone: int, settings: Settings | None = None, values: Mapping[str, str] | None = None
             ) -> list[Manifest]:
    """The manifests of milestones 1..`milestone` (with `values` for some Secret contents)."""
    return render.render(settings or Settings(), {**template_values.placeholders(), **(values or {})}, milestone)
