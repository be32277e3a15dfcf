"""Checks on Kubernetes objects: namespace, workloads Ready, pods, Service endpoints, Secrets, ServiceAccounts, RBAC."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ca3cli.core import kubeobjects as k
from ca3cli.core.objects import MANAGED_SELECTOR
from ca3cli.core.topology import Workload
from ca3cli.edges import kuberead
from ca3cli.operations.validate.model import Check, Outcome, failed, verdict
from ca3cli.operations.validate.probe import Probe

MANAGED_KINDS = "deployments,statefulsets,daemonsets,services,configmaps,serviceaccounts,networkpolicies,jobs"
# Components (ca3cli/core/registry.py) whose objects the checks name; the names themselves come from probe.names.
BASELINE = ("kafka", "influxdb", "producer", "processor", "grafana")


def listing(items: list[str], limit: int = 4) -> str:
    """`a, b, c and 2 more`: evidence stays one readable line."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- namespace -------------------------------------------------------------------------------------------------


def gather_namespace(probe: Probe) -> dict[str, Any]:
    managed = kuberead.items(probe.kubectl, k.AnyObject, MANAGED_KINDS, "-A", "-l", MANAGED_SELECTOR, namespaced=False,
                             timeout=20)
    return {"namespace": probe.namespace, "object": probe.get(k.Namespace, "namespace", probe.namespace,
                                                              namespaced=False), "managed": managed}


def decide_namespace(evidence: dict[str, Any]) -> Outcome:
    phase = evidence["object"].get("status", {}).get("phase")
    outside = [f"{o['kind']}/{o['metadata']['name']} in {o['metadata']['namespace']}" for o in evidence["managed"]
               if o["metadata"].get("namespace") not in (None, evidence["namespace"])]
    if phase != "Active":
        return failed(f"namespace {evidence['namespace']} is {phase}")
    if not evidence["managed"]:
        return failed(f"no object labelled {MANAGED_SELECTOR} exists; deploy with `ca3 deploy -m N`")
    return verdict(not outside, f"{evidence['namespace']} Active; {len(evidence['managed'])} managed objects in it",
                   f"managed objects outside {evidence['namespace']}: {listing(outside)}")


# --- workloads and pods ----------------------------------------------------------------------------------------


def gather_workload(component: str) -> Any:
    def gather(probe: Probe) -> tuple[Workload, k.Workload | None]:
        workload = probe.names.workload(component)
        return workload, probe.find(k.Workload, f"{workload.kind}s", workload.name)

    return gather


def decide_ready(evidence: tuple[Workload, k.Workload | None]) -> Outcome:
    workload, obj = evidence
    if obj is None:
        return failed(f"{workload.kind}/{workload.name} does not exist")
    status = obj.get("status", {})
    if workload.kind == "daemonset":
        want, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
    else:
        want, ready = obj.get("spec", {}).get("replicas", 1), status.get("readyReplicas", 0)
    return verdict(want > 0 and ready >= want, f"{ready}/{want} Ready", f"{ready}/{want} Ready")


def ready_check(check_id: str, component: str, **options: Any) -> Check:
    """All replicas of the component's workload Ready."""
    return Check(check_id, gather_workload(component), decide_ready, **options)


def pod_problem(pod: k.Pod) -> str | None:
    """Why a pod is not healthy, or None: Running with every container ready, or a finished Job pod."""
    status, name = pod.get("status", {}), pod["metadata"]["name"]
    phase = status.get("phase")
    if phase == "Succeeded" and any(o.get("kind") == "Job" for o in pod["metadata"].get("ownerReferences", [])):
        return None
    waiting = [c["state"]["waiting"].get("reason", "Waiting") for c in status.get("containerStatuses", [])
               if "waiting" in c.get("state", {})]
    if phase != "Running" or waiting:
        return f"{name} {phase}{' (' + ', '.join(waiting) + ')' if waiting else ''}"
    unready = [c["name"] for c in status.get("containerStatuses", []) if not c.get("ready")]
    return f"{name} not Ready ({', '.join(unready)})" if unready else None


def decide_pods(pods: list[k.Pod]) -> Outcome:
    if not pods:
        return failed("no pods in the namespace")
    problems = [problem for pod in pods if (problem := pod_problem(pod))]
    return verdict(not problems, f"{len(pods)} pods Running and Ready", listing(problems))


# --- Services --------------------------------------------------------------------------------------------------


def gather_endpoints(components: tuple[str, ...]) -> Any:
    """Ready endpoints of every Service (headless ones too) of the components."""

    def gather(probe: Probe) -> dict[str, int | None]:
        services = [s.name for component in components for s in probe.names.services(component)]
        existing = {s["metadata"]["name"] for s in probe.items(k.Service, "services")}
        ready: dict[str, int] = {}
        for eps in probe.items(k.EndpointSlice, "endpointslices"):
            service = eps["metadata"].get("labels", {}).get("kubernetes.io/service-name", "")
            count = sum(1 for e in eps.get("endpoints") or [] if e.get("conditions", {}).get("ready", True))
            ready[service] = ready.get(service, 0) + count
        return {s: (ready.get(s, 0) if s in existing else None) for s in services}

    return gather


def decide_endpoints(evidence: dict[str, int | None]) -> Outcome:
    missing = [s for s, n in evidence.items() if n is None]
    empty = [s for s, n in evidence.items() if n == 0]
    seen = ", ".join(f"{s}: {n}" for s, n in evidence.items() if n)
    if missing:
        return failed(f"Service missing: {listing(missing)}")
    return verdict(not empty, f"ready endpoints {seen}", f"no ready endpoints: {listing(empty)}")


def endpoints_check(check_id: str, *components: str) -> Check:
    return Check(check_id, gather_endpoints(components), decide_endpoints)


# --- Secrets, ServiceAccounts, RBAC ----------------------------------------------------------------------------


def gather_secrets(probe: Probe) -> dict[str, tuple[set[str], set[str] | None]]:
    """Per rendered Secret: the keys it should hold and the key names found (values are never kept)."""
    found = {s["metadata"]["name"]: set((s.get("data") or {}).keys()) for s in probe.items(k.Secret, "secrets")}
    return {spec.name: (set(spec.keys), found.get(spec.name)) for spec in probe.names.secrets()}


def decide_secrets(evidence: dict[str, tuple[set[str], set[str] | None]]) -> Outcome:
    missing = [name for name, (_, keys) in evidence.items() if keys is None]
    lacking = [f"{name} lacks {', '.join(sorted(want - keys))}"
               for name, (want, keys) in evidence.items() if keys is not None and not want <= keys]
    if missing:
        return failed(f"Secrets missing: {listing(missing)}")
    if not evidence:
        return failed("the rendered milestone has no Secrets to check; this is a bug in ca3")
    return verdict(not lacking, f"{listing(list(evidence))} present with their keys", "; ".join(lacking))


def service_account(obj: k.Workload) -> str:
    return obj["spec"]["template"]["spec"].get("serviceAccountName") or "default"


def gather_service_accounts(probe: Probe) -> dict[str, Any]:
    workloads = {f"{kind[:-1]}/{o['metadata']['name']}": service_account(o)
                 for kind in ("deployments", "statefulsets", "daemonsets") for o in probe.items(k.Workload, kind)}
    accounts = {a["metadata"]["name"] for a in probe.items(k.AnyObject, "serviceaccounts")}
    return {"workloads": workloads, "accounts": accounts}


def decide_service_accounts(evidence: dict[str, Any]) -> Outcome:
    workloads, accounts = evidence["workloads"], evidence["accounts"]
    if not workloads:
        return failed("no workloads in the namespace")
    default = [w for w, sa in workloads.items() if sa == "default"]
    absent = [f"{w} uses missing {sa}" for w, sa in workloads.items() if sa != "default" and sa not in accounts]
    problems = [f"{w} runs as `default`" for w in default] + absent
    return verdict(not problems, f"{len(workloads)} workloads, each with its own ServiceAccount", listing(problems))


def gather_can_i(verb: str, resource: str, components: Callable[[Probe], Sequence[str]]
                 ) -> Callable[[Probe], dict[str, str]]:
    """What `kubectl auth can-i VERB RESOURCE --as=<workload's ServiceAccount>` answers, per component workload."""

    def gather(probe: Probe) -> dict[str, str]:
        answers = {}
        for component in components(probe):
            workload = probe.names.workload(component)
            obj = probe.find(k.Workload, f"{workload.kind}s", workload.name)
            if obj is None:
                answers[workload.ref] = "workload missing"
                continue
            user = f"system:serviceaccount:{probe.namespace}:{service_account(obj)}"
            answers[workload.ref] = probe.run("auth", "can-i", verb, resource, f"--as={user}").stdout.strip()
        return answers

    return gather


def decide_can_i(expect: str, action: str) -> Any:
    def decide(answers: dict[str, str]) -> Outcome:
        wrong = [f"{w}: {a or 'no answer'}" for w, a in answers.items() if a.split()[:1] != [expect]]
        return verdict(not wrong, f"{action}: {expect} for {listing(list(answers))}", listing(wrong))

    return decide


def can_i_check(check_id: str, verb: str, resource: str, expect: str, *components: str) -> Check:
    return Check(check_id, gather_can_i(verb, resource, lambda _: components),
                 decide_can_i(expect, f"{verb} {resource}"))


def decide_controller_owned(pods: list[k.Pod]) -> Outcome:
    orphans = [p["metadata"]["name"] for p in pods
               if not any(o.get("controller") for o in p["metadata"].get("ownerReferences", []))]
    if not pods:
        return failed("no pods in the namespace")
    return verdict(not orphans, f"{len(pods)} pods, each owned by a controller",
                   f"pods no controller recreates: {listing(orphans)}")


CHECKS = (
    Check("m1.namespace", gather_namespace, decide_namespace),
    *(ready_check(f"m1.{component}-ready", component) for component in BASELINE),
    Check("m1.pods-running", lambda probe: probe.items(k.Pod, "pods"), decide_pods),
    endpoints_check("m1.service-endpoints", "kafka", "influxdb", "producer", "grafana"),
    Check("m1.secrets", gather_secrets, decide_secrets),
    Check("m1.serviceaccounts", gather_service_accounts, decide_service_accounts),
    can_i_check("m1.rbac", "get", "secrets", "no", *BASELINE),
    ready_check("m2.prometheus-ready", "prometheus"),
    endpoints_check("m2.prometheus-service", "prometheus"),
    can_i_check("m2.prometheus-rbac", "list", "pods", "yes", "prometheus"),
    ready_check("m3.kafka-exporter-ready", "kafka-exporter"),
    endpoints_check("m3.kafka-exporter-service", "kafka-exporter"),
    ready_check("m5.loki-ready", "logging"),
    endpoints_check("m5.loki-service", "logging"),
    Check("m9.controller-owned", lambda probe: probe.items(k.Pod, "pods"), decide_controller_owned),
)
