"""Checks on scheduling and scaling: the log agent on every node, the producer HPA and the recorded load test's
scaling cycle, crash loops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ca3cli.core.kubeobjects import ContainerStatus, HorizontalPodAutoscaler, Node, Pod, Taint, Workload, no_condition
from ca3cli.operations.loadtest import analysis, outputs
from ca3cli.operations.status import HPA_NOT_YET, cpu_utilization
from ca3cli.operations.validate.model import Check, Outcome, Status, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.workloads import decide_can_i, gather_can_i, listing

RECENT = timedelta(minutes=10)


# --- the log agent, one pod per schedulable node ---------------------------------------------------------------


def tolerates(tolerations: list[dict[str, Any]], taint: Taint) -> bool:
    """Whether a pod with `tolerations` may be scheduled onto a node with `taint` (Kubernetes' matching rules)."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def schedulable(nodes: list[Node], tolerations: list[dict[str, Any]]) -> list[str]:
    """Names of the nodes a DaemonSet with `tolerations` runs on."""
    names = []
    for node in nodes:
        spec = node.get("spec", {})
        taints = [t for t in spec.get("taints", []) if t.get("effect") in ("NoSchedule", "NoExecute")]
        if not spec.get("unschedulable") and all(tolerates(tolerations, t) for t in taints):
            names.append(node["metadata"]["name"])
    return names


def gather_log_agent(probe: Probe) -> dict[str, Any]:
    agent = probe.names.workload(probe.settings.observability.log_agent).name
    return {"agent": agent, "daemonset": probe.find(Workload, "daemonsets", agent),
            "nodes": probe.items(Node, "nodes", namespaced=False)}


def decide_log_agent(evidence: dict[str, Any]) -> Outcome:
    ds, agent = evidence["daemonset"], evidence["agent"]
    if ds is None:
        return failed(f"DaemonSet {agent} does not exist")
    nodes = schedulable(evidence["nodes"], ds["spec"]["template"]["spec"].get("tolerations", []))
    status = ds.get("status", {})
    desired, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
    return verdict(len(nodes) > 0 and desired == ready == len(nodes),
                   f"{agent}: {ready} Ready pods on {len(nodes)} schedulable nodes",
                   f"{agent}: {ready} Ready of {desired} scheduled; {len(nodes)} schedulable nodes ({listing(nodes)})")


def gather_log_agent_rbac(probe: Probe) -> dict[str, str]:
    return gather_can_i("list", "pods", lambda probe: (probe.settings.observability.log_agent,))(probe)


# --- the producer HPA ------------------------------------------------------------------------------------------


def gather_hpa(probe: Probe) -> dict[str, Any]:
    producer = probe.settings.producer
    name, target = probe.names.autoscaler("producer")
    kind = probe.names.workload_object("producer")["kind"]
    return {"name": name, "hpa": probe.find(HorizontalPodAutoscaler, "horizontalpodautoscalers", name),
            "expect": {"target": f"{kind}/{target.name}", "min": producer.min_replicas, "max": producer.max_replicas,
                       "cpu": producer.cpu_target_percent}}


def cpu_target(hpa: HorizontalPodAutoscaler) -> int | None:
    return cpu_utilization(hpa["spec"].get("metrics", []), "target")


def decide_hpa_configured(evidence: dict[str, Any]) -> Outcome:
    hpa, wanted = evidence["hpa"], evidence["expect"]
    if hpa is None:
        return failed(f"HPA {evidence['name']} does not exist")
    ref = hpa["spec"].get("scaleTargetRef", {})
    seen = {"target": f"{ref.get('kind')}/{ref.get('name')}", "min": hpa["spec"].get("minReplicas", 1),
            "max": hpa["spec"].get("maxReplicas"), "cpu": cpu_target(hpa)}
    wrong = [f"{key} {seen[key]} (want {wanted[key]})" for key in wanted if seen[key] != wanted[key]]
    text = f"{seen['target']}, {seen['min']}-{seen['max']} replicas, CPU target {seen['cpu']}%"
    return verdict(not wrong, text, "; ".join(wrong))


def decide_hpa_metrics(evidence: dict[str, Any]) -> Outcome:
    hpa: HorizontalPodAutoscaler | None = evidence["hpa"]
    if hpa is None:
        return failed(f"HPA {evidence['name']} does not exist")
    status = hpa.get("status") or HPA_NOT_YET
    current = [cpu_utilization(status.get("currentMetrics") or [], "current")]
    active = next((c for c in status.get("conditions", []) if c.get("type") == "ScalingActive"), no_condition())
    if active.get("status") != "True" or not current or current[0] is None:
        reason = active.get("message") or "no current CPU metric"
        return failed(f"{reason} (is metrics-server installed and Ready?)")
    return passed(f"current CPU {current[0]}% of requests; ScalingActive")


def gather_cycle(probe: Probe) -> dict[str, Any]:
    """The timeline the last `ca3 load-test` wrote into outputs/ (None when no test ran), for this namespace."""
    try:
        timeline = outputs.last(probe.outputs)
    except ValueError as exc:
        return {"namespace": probe.namespace, "timeline": None, "damaged": str(exc), "folder": probe.outputs}
    return {"namespace": probe.namespace, "timeline": timeline, "damaged": "", "folder": probe.outputs}


def decide_cycle(evidence: dict[str, Any]) -> Outcome:
    """PASS when the recorded test saw every autoscaler go up to >= 2 replicas and back to its minimum."""
    timeline = evidence["timeline"]
    if timeline is None:
        return failed(evidence["damaged"] or f"no load test recorded in {evidence['folder'] / outputs.SAMPLES}; run "
                      "`ca3 load-test` first")
    if timeline.namespace != evidence["namespace"]:
        return failed(f"the recorded load test ran in namespace {timeline.namespace}; run `ca3 load-test` here")
    result = analysis.analyse(timeline)
    if not result.ok:
        return failed(" ".join(result.problems))
    cycles = "; ".join(f"{c.hpa} {c.start} -> {c.peak} -> {c.minimum} (up at +{c.up_at:.0f} s, back at "
                       f"+{c.down_at:.0f} s)" for c in result.cycles if c.up_at is not None and c.down_at is not None)
    return passed(f"load test of {timeline.started_at}: {cycles}; {len(timeline.rescales)} SuccessfulRescale events")


# --- crash loops -----------------------------------------------------------------------------------------------


def gather_restarts(probe: Probe) -> dict[str, Any]:
    return {"pods": probe.items(Pod, "pods"), "now": datetime.now(UTC)}


def restarted_at(container: ContainerStatus) -> datetime | None:
    terminated = container.get("lastState", {}).get("terminated")
    finished = terminated.get("finishedAt") if terminated else None
    return datetime.fromisoformat(finished.replace("Z", "+00:00")) if finished else None


def decide_restarts(evidence: dict[str, Any]) -> Outcome:
    if not evidence["pods"]:
        return failed("no pods in the namespace")
    looping, recent = [], []
    for pod in evidence["pods"]:
        for c in pod.get("status", {}).get("containerStatuses", []):
            name = f"{pod['metadata']['name']}/{c['name']}"
            if c.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff":
                looping.append(name)
            elif (at := restarted_at(c)) and evidence["now"] - at < RECENT:
                recent.append(f"{name} restarted at {at:%H:%M:%S}")
    if looping:
        return failed(f"CrashLoopBackOff: {listing(looping)}")
    if recent:
        return Outcome(Status.WARN, f"recent restarts: {listing(recent)}")
    return passed(f"{len(evidence['pods'])} pods, no crash loops or restarts in the last 10 minutes")


CHECKS = (
    Check("m5.log-agent-per-node", gather_log_agent, decide_log_agent),
    Check("m5.log-agent-rbac", gather_log_agent_rbac, decide_can_i("yes", "list pods")),
    Check("m6.hpa-configured", gather_hpa, decide_hpa_configured),
    Check("m6.hpa-metrics", gather_hpa, decide_hpa_metrics),
    Check("m6.scaling-cycle", gather_cycle, decide_cycle),
    Check("m9.no-crashloops", gather_restarts, decide_restarts),
)
