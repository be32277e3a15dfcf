"""Checks through Prometheus's HTTP API and the apps' /metrics endpoints, all reached by port-forward."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from ca3cli.core.kubeobjects import Pod
from ca3cli.edges import answers
from ca3cli.edges.portforward import request
from ca3cli.operations import services
from ca3cli.operations.validate.model import Check, Outcome, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.workloads import listing, pod_problem

METRICS_PORT = "metrics"  # the apps' container port serving /metrics


def prometheus_url(probe: Probe, path: str) -> str:
    return probe.forward(*services.target(probe.names, services.PROMETHEUS)).url(path)


def query(probe: Probe, expr: str) -> list[answers.Sample]:
    """The samples of an instant query (`/api/v1/query`), cached for the run."""

    def run() -> list[answers.Sample]:
        return answers.vector(prometheus_url(probe, "/api/v1/query?" + urllib.parse.urlencode({"query": expr})))

    return probe.memo(("promql", expr), run)


def sample_sum(samples: list[answers.Sample]) -> float:
    return sum(float(s["value"][1]) for s in samples)


# --- reachable, UI served --------------------------------------------------------------------------------------


def gather_ui(probe: Probe) -> dict[str, str]:
    return {"ready": request(prometheus_url(probe, "/-/ready")).decode(errors="replace"),
            "page": request(prometheus_url(probe, "/")).decode(errors="replace")}


def decide_ui(evidence: dict[str, str]) -> Outcome:
    ready = "Ready" in evidence["ready"]
    ui = "<html" in evidence["page"].lower() and "Prometheus" in evidence["page"]
    return verdict(ready and ui, f"/-/ready: {evidence['ready'].strip()}; UI page served",
                   f"/-/ready: {evidence['ready'].strip()[:80]!r}; UI page {'served' if ui else 'missing'}")


# --- targets ---------------------------------------------------------------------------------------------------


def target_component(target: answers.Target) -> str:
    """Which workload a scrape target belongs to: the pod's `app` label when discovered, else the job name."""
    found, labels = target.get("discoveredLabels", {}), target.get("labels", {})
    return (found.get("__meta_kubernetes_pod_label_app") or labels.get("app")
            or found.get("__meta_kubernetes_pod_label_app_kubernetes_io_name") or labels.get("job", ""))


def gather_targets(probe: Probe) -> list[answers.Target]:
    def run() -> list[answers.Target]:
        return answers.targets(prometheus_url(probe, "/api/v1/targets?state=active"))

    return probe.memo(("prometheus-targets",), run)


def gather_apps_targets(*components: str) -> Any:
    """The active targets and the `app` label of each component's pods (what a target is matched by)."""

    def gather(probe: Probe) -> dict[str, Any]:
        return {"apps": [probe.names.app(component) for component in components], "targets": gather_targets(probe)}

    return gather


def decide_targets(evidence: dict[str, Any]) -> Outcome:
    targets: list[answers.Target] = evidence["targets"]
    problems, seen = [], []
    for component in evidence["apps"]:
        mine = [t for t in targets if target_component(t) == component]
        down = [f"{t.get('scrapeUrl')} {t.get('health')}: {t.get('lastError') or 'no error text'}"
                for t in mine if t.get("health") != "up"]
        problems += [f"no target for {component}"] if not mine else down
        seen.append(f"{component}: {len(mine)} up" if mine and not down else component)
    return verdict(not problems, "; ".join(seen), listing(problems, 3))


def targets_check(check_id: str, *components: str) -> Check:
    return Check(check_id, gather_apps_targets(*components), decide_targets)


# --- queries ---------------------------------------------------------------------------------------------------


def gather_queries(*exprs: str) -> Callable[[Probe], dict[str, list[answers.Sample]]]:
    def gather(probe: Probe) -> dict[str, list[answers.Sample]]:
        return {expr: query(probe, expr) for expr in exprs}

    return gather


def decide_positive(found: dict[str, list[answers.Sample]]) -> Outcome:
    """PASS when every query has samples summing to more than zero."""
    values = {expr: sample_sum(samples) if samples else None for expr, samples in found.items()}
    shown = "; ".join(f"{expr} = {'no data' if v is None else f'{v:g}'}" for expr, v in values.items())
    return verdict(all(v is not None and v > 0 for v in values.values()), shown, shown)


def decide_present(answers: dict[str, list[dict[str, Any]]]) -> Outcome:
    """PASS when every query returns at least one series (a value of 0 is fine: lag is often 0)."""
    empty = [expr for expr, samples in answers.items() if not samples]
    counts = "; ".join(f"{expr}: {len(samples)} series" for expr, samples in answers.items())
    return verdict(not empty, counts, f"no series for {listing(empty)}")


# --- the apps' own /metrics ------------------------------------------------------------------------------------


def metrics_check(check_id: str, component: str, metric: str) -> Check:
    """PASS when the app's /metrics on its `metrics` port, reached through a port-forward, exposes `metric`."""

    def gather(probe: Probe) -> str:
        names = probe.names
        forwarded = probe.forward(names.workload(component).ref, names.container_port(component, METRICS_PORT))
        return request(forwarded.url("/metrics")).decode(errors="replace")

    def decide(text: str) -> Outcome:
        samples = [line for line in text.splitlines() if line.startswith(metric)]
        families = sum(1 for line in text.splitlines() if line.startswith("# TYPE "))
        return verdict(bool(samples), f"{families} metric families; {samples[0][:100] if samples else ''}",
                       f"/metrics answered ({families} metric families) without {metric}")

    return Check(check_id, gather, decide)


def serving_pod(probe: Probe, component: str) -> str | None:
    """The first (by name) Running and Ready pod carrying the component's pod labels, or None."""
    labels = probe.names.pod_labels(component).items()
    pods = [pod for pod in probe.items(Pod, "pods") if labels <= (pod["metadata"].get("labels") or {}).items()
            and pod_problem(pod) is None]
    return min((pod["metadata"]["name"] for pod in pods), default=None)


def exec_metrics_check(check_id: str, component: str, metric: str) -> Check:
    """PASS when the seed's own command, `kubectl exec <pod> -- curl localhost:8000/metrics` (the port from the
    rendered container port `metrics`), prints `metric`; the app images carry curl for it."""

    def gather(probe: Probe) -> dict[str, Any]:
        pod = serving_pod(probe, component)
        url = f"localhost:{probe.names.container_port(component, METRICS_PORT)}/metrics"
        if pod is None:
            return {"command": f"kubectl exec <{component}-pod> -- curl {url}", "pod": None}
        result = probe.exec(pod, "curl", url)
        return {"command": f"kubectl exec {pod} -- curl {url}", "pod": pod, "code": result.returncode,
                "stdout": result.stdout, "stderr": result.stderr}

    def decide(evidence: dict[str, Any]) -> Outcome:
        command = evidence["command"]
        if evidence["pod"] is None:
            return failed(f"no Running and Ready {component} pod to run `{command}` in")
        samples = [line for line in evidence["stdout"].splitlines() if line.startswith(metric)]
        if evidence["code"] == 0 and samples:
            return passed(f"`{command}`: {samples[0][:100]}")
        error = " ".join(evidence["stderr"].split())[-200:]
        if "executable file not found" in error:
            return failed(f"`{command}`: the image has no curl; rebuild and load it with `ca3 build` ({error})")
        if evidence["code"] != 0:
            return failed(f"`{command}` exited {evidence['code']}: {error or 'no error text'}")
        return failed(f"`{command}` answered without {metric}")

    return Check(check_id, gather, decide)


CHECKS = (
    Check("m2.prometheus-ui", gather_ui, decide_ui),
    targets_check("m2.prometheus-self-target", "prometheus"),
    Check("m2.prometheus-query-up", gather_queries("up"), decide_present),
    metrics_check("m3.producer-metrics", "producer", "producer_messages_sent_total"),
    exec_metrics_check("m3.producer-metrics-exec", "producer", "producer_messages_sent_total"),
    metrics_check("m3.processor-metrics", "processor", "processor_messages_consumed_total"),
    targets_check("m3.prometheus-app-targets", "producer", "processor"),
    targets_check("m3.prometheus-kafka-exporter-target", "kafka-exporter"),
    Check("m3.prometheus-custom-metrics",
          gather_queries("sum(producer_messages_sent_total)", "sum(processor_messages_consumed_total)"),
          decide_positive),
    Check("m3.consumer-lag-metric", gather_queries('kafka_consumergroup_lag{group="processor"}'), decide_present),
)
