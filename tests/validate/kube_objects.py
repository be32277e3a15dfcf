"""Builders for Kubernetes objects shaped like `kubectl get -o json` output (only the fields checks read, plus the
usual metadata), so tests can derive healthy and broken variants without large fixture files."""

from __future__ import annotations

import base64
from typing import Any

NS = "conveyor-pipeline"


def meta(name: str, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": NS, "uid": f"uid-{name}", "resourceVersion": "4711",
            "creationTimestamp": "2026-11-26T08:00:00Z", "labels": labels or {}, **extra}


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    """A `kind: List` as kubectl prints for `get <resource> -o json`."""
    return {"apiVersion": "v1", "kind": "List", "items": list(items), "metadata": {"resourceVersion": ""}}


def namespace(annotations: dict[str, str] | None = None, phase: str = "Active") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": NS, "uid": "uid-ns", "labels": {"kubernetes.io/metadata.name": NS},
                         "annotations": annotations or {}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": phase}}


def pod_template(app: str, service_account: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": app, "image": f"ca3/{app}:0.1.0"}]}
    if service_account:
        spec["serviceAccountName"] = service_account
    return {"metadata": {"labels": {"app": app}}, "spec": spec}


def workload(kind: str, name: str, replicas: int = 1, ready: int | None = None,
             service_account: str | None = "same") -> dict[str, Any]:
    """A Deployment or StatefulSet with `ready` of `replicas` Ready; the ServiceAccount defaults to its own name."""
    ready = replicas if ready is None else ready
    account = name if service_account == "same" else service_account
    status = {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "updatedReplicas": replicas}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta(name, {"app": name}),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": pod_template(name, account)},
            "status": {k: v for k, v in status.items() if v}}


def pod(name: str, app: str, phase: str = "Running", ready: bool = True, waiting: str | None = None,
        owner: str | None = "ReplicaSet", restarted_at: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = ({"waiting": {"reason": waiting}} if waiting
                             else {"running": {"startedAt": "2026-11-26T08:01:00Z"}})
    container: dict[str, Any] = {"name": app, "ready": ready and not waiting, "restartCount": 1 if restarted_at else 0,
                                 "state": state, "image": f"ca3/{app}:0.1.0"}
    if restarted_at:
        container["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": restarted_at}}
    owners = [{"apiVersion": "apps/v1", "kind": owner, "name": f"{app}-owner", "uid": "uid-o", "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": meta(name, {"app": app, "app.kubernetes.io/name": app},
                             ownerReferences=owners if owner else []),
            "spec": {"containers": [{"name": app}], "nodeName": "ca3-control-plane"},
            "status": {"phase": phase, "containerStatuses": [container]}}


def service(name: str, ports: tuple[int, ...], kind: str = "ClusterIP", node_port: int | None = None,
            cluster_ip: str = "10.96.12.34") -> dict[str, Any]:
    port_list = [{"name": f"p{p}", "port": p, "protocol": "TCP", "targetPort": p,
                  **({"nodePort": node_port} if node_port else {})} for p in ports]
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, {"app": name}),
            "spec": {"type": kind, "clusterIP": cluster_ip, "ports": port_list, "selector": {"app": name}}}


def endpoint_slice(service_name: str, ready: int, not_ready: int = 0) -> dict[str, Any]:
    endpoints = ([{"addresses": [f"10.244.0.{i}"], "conditions": {"ready": True}} for i in range(ready)]
                 + [{"addresses": [f"10.244.1.{i}"], "conditions": {"ready": False}} for i in range(not_ready)])
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": meta(f"{service_name}-x7k2p", {"kubernetes.io/service-name": service_name}),
            "endpoints": endpoints, "ports": [{"name": "http", "port": 8000, "protocol": "TCP"}]}


def secret(name: str, data: dict[str, str], kind: str = "Opaque") -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta(name), "type": kind, "data": encoded}


def network_policy(name: str, selector: dict[str, Any], types: list[str], **rules: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(name),
            "spec": {"podSelector": selector, "policyTypes": types, **rules}}


def node(name: str, unschedulable: bool = False, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"podCIDR": "10.244.0.0/24"}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": f"uid-{name}"}, "spec": spec}
