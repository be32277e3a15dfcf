"""Cross-reference rules: everything an object points at (pods, Services, ports, ConfigMaps, Secrets,
ServiceAccounts, HPA targets) exists in the same rendered set. Each rule is a pure function of the objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ca3cli.core.lint.model import (
    Finding,
    PodTemplate,
    by_kind,
    dig,
    matches,
    pod_templates,
)
from ca3cli.core.objects import KubeObject

# A Secret may declare keys that something in the cluster adds after it is applied (see influxdb-init).
RUNTIME_KEYS_ANNOTATION = "ca3.dev/runtime-keys"


def selectors_match_pods(objs: list[KubeObject]) -> list[Finding]:
    """Services, PodDisruptionBudgets and NetworkPolicies select some pod; workloads select their own template."""
    pods = list(pod_templates(objs))
    findings = []
    for obj in objs:
        selector = {
            "Service": dig(obj.doc, "spec", "selector"),
            "PodDisruptionBudget": dig(obj.doc, "spec", "selector"),
            "NetworkPolicy": dig(obj.doc, "spec", "podSelector") or None,
        }.get(obj.kind)
        if selector and not any(matches(selector, p.labels) for p in pods):
            findings.append(Finding("selector", obj.where, f"selector {selector} matches no pod template's labels."))
    for pod in pods:
        selector = dig(pod.owner.doc, "spec", "selector")
        if pod.owner.kind != "Pod" and selector is not None and not matches(selector, pod.labels):
            findings.append(Finding("selector", pod.owner.where,
                                    "spec.selector does not match its own template's labels."))
    return findings


def statefulset_service_is_headless(objs: list[KubeObject]) -> list[Finding]:
    """A StatefulSet's serviceName names a headless Service (clusterIP: None), which gives pods stable DNS names."""
    services = by_kind(objs, "Service")
    findings = []
    for obj in by_kind(objs, "StatefulSet").values():
        name = dig(obj.doc, "spec", "serviceName")
        service = services.get(name)
        if service is None or dig(service.doc, "spec", "clusterIP") != "None":
            findings.append(Finding("headless-service", obj.where,
                                    f"serviceName {name!r} is not a headless Service here; "
                                    "add a Service with clusterIP: None of that name."))
    return findings


def _container_ports(pod: PodTemplate) -> tuple[set[str], set[int]]:
    ports = [p for c in pod.containers() for p in c.get("ports", [])]
    return {p["name"] for p in ports if "name" in p}, {p["containerPort"] for p in ports}


def _probe_ports(pod: PodTemplate) -> Iterator[tuple[str, Any]]:
    for container in pod.containers():
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            for handler in ("httpGet", "tcpSocket", "grpc"):
                port = dig(container, probe, handler, "port")
                if port is not None:
                    yield f"{container['name']} {probe}", port


def ports_exist(objs: list[KubeObject]) -> list[Finding]:
    """Service targetPorts and probe ports name (or number) a port the selected containers declare."""
    pods = list(pod_templates(objs))
    findings = []
    for pod in pods:
        names, numbers = _container_ports(pod)
        for what, port in _probe_ports(pod):
            if port not in names and port not in numbers:
                findings.append(Finding("port", pod.owner.where,
                                        f"{what} uses port {port!r}, which no container declares."))
    for service in by_kind(objs, "Service").values():
        selected = [p for p in pods if matches(dig(service.doc, "spec", "selector"), p.labels)]
        for port in dig(service.doc, "spec", "ports") or []:
            target = port.get("targetPort", port.get("port"))
            if selected and not any(target in n or target in m for n, m in map(_container_ports, selected)):
                findings.append(Finding("port", service.where,
                                        f"targetPort {target!r} is not a port of the selected pods."))
    return findings


def config_refs(pod: PodTemplate, kind: str) -> Iterator[tuple[str, str | None]]:
    """(name, key or None) of every ConfigMap or Secret a pod template reads, by volume, env or envFrom."""
    volume_key, ref_key, env_key, name_field = {
        "ConfigMap": ("configMap", "configMapRef", "configMapKeyRef", "name"),
        "Secret": ("secret", "secretRef", "secretKeyRef", "secretName"),
    }[kind]
    for volume in pod.spec.get("volumes", []):
        source = volume.get(volume_key)
        if source is not None and not source.get("optional"):
            items = source.get("items") or [{}]
            yield from ((source.get(name_field, ""), item.get("key")) for item in items)
    for container in pod.containers(init=True):
        for env in container.get("env", []):
            ref = dig(env, "valueFrom", env_key)
            if ref is not None and not ref.get("optional"):
                yield ref["name"], ref["key"]
        for source in container.get("envFrom", []):
            if source.get(ref_key) is not None:
                yield source[ref_key]["name"], None


def _keys(obj: KubeObject) -> set[str]:
    declared = dig(obj.doc, "metadata", "annotations", RUNTIME_KEYS_ANNOTATION) or ""
    runtime = {k.strip() for k in declared.split(",") if k.strip()}
    return (set(obj.doc.get("data") or {}) | set(obj.doc.get("stringData") or {})
            | set(obj.doc.get("binaryData") or {}) | runtime)


def _references_exist(objs: list[KubeObject], kind: str) -> list[Finding]:
    present = by_kind(objs, kind)
    findings = []
    for pod in pod_templates(objs):
        for name, key in config_refs(pod, kind):
            if name not in present:
                findings.append(Finding(kind.lower(), pod.owner.where,
                                        f"reads {kind} {name!r}, which is not rendered."))
            elif key is not None and key not in _keys(present[name]):
                findings.append(Finding(kind.lower(), pod.owner.where,
                                        f"reads key {key!r} of {kind} {name!r}, which has no such key."))
    return findings


def configmaps_exist(objs: list[KubeObject]) -> list[Finding]:
    """Every ConfigMap (and key) a pod reads is rendered."""
    return _references_exist(objs, "ConfigMap")


def secrets_exist(objs: list[KubeObject]) -> list[Finding]:
    """Every Secret (and key) a pod reads is rendered, or declared as added at run time."""
    return _references_exist(objs, "Secret")


def service_accounts_exist(objs: list[KubeObject]) -> list[Finding]:
    """Pods and RoleBindings name ServiceAccounts that are rendered (a missing one stops pod creation)."""
    accounts = by_kind(objs, "ServiceAccount")
    findings = []
    for pod in pod_templates(objs):
        name = pod.spec.get("serviceAccountName", "default")
        if name != "default" and name not in accounts:
            findings.append(Finding("serviceaccount", pod.owner.where,
                                    f"uses ServiceAccount {name!r}, which is not rendered."))
    for binding in [o for o in objs if o.kind in ("RoleBinding", "ClusterRoleBinding")]:
        for subject in binding.doc.get("subjects", []):
            if subject.get("kind") == "ServiceAccount" and subject.get("name") not in accounts:
                findings.append(Finding("serviceaccount", binding.where,
                                        f"binds ServiceAccount {subject.get('name')!r}, which is not rendered."))
    return findings


def hpa_targets_request_cpu(objs: list[KubeObject]) -> list[Finding]:
    """An HPA's target exists, and every container in it requests CPU (utilisation is a share of the request)."""
    findings = []
    for hpa in by_kind(objs, "HorizontalPodAutoscaler").values():
        ref = dig(hpa.doc, "spec", "scaleTargetRef") or {}
        target = next((o for o in objs if o.kind == ref.get("kind") and o.name == ref.get("name")), None)
        if target is None:
            findings.append(Finding("hpa", hpa.where,
                                    f"targets {ref.get('kind')}/{ref.get('name')}, which is not rendered."))
            continue
        pod = next(p for p in pod_templates([target]))
        for container in pod.containers():
            if dig(container, "resources", "requests", "cpu") is None:
                findings.append(Finding("hpa", hpa.where,
                                        f"container {container['name']!r} of {target.kind}/{target.name} "
                                        "requests no CPU, so CPU utilisation cannot be computed."))
    return findings
