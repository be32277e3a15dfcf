"""Per-tier procedures: a tier's pod is lost (deleted, evicted, OOM-killed) or its main process keeps crashing."""

from __future__ import annotations

from collections.abc import Sequence

from ca3cli.core.dashboards.model import INFLUXDB, LOKI, PROMETHEUS
from ca3cli.operations import services
from ca3cli.operations.procedures.inventory import Workload
from ca3cli.operations.procedures.model import Facts, Procedure, Step, steps

# What losing each tier does to the rest of the pipeline, as the operator notices it.
EFFECT = {
    "producer": "No new readings: the producer rate falls to 0 and its `Speed:` log lines stop. What Kafka already "
                "acknowledged is kept.",
    "processor": "Readings wait in Kafka: consumer lag grows and InfluxDB writes stop until the replacement joins "
                 "consumer group `processor` and resumes from the committed offsets.",
    "kafka": "Producers hold unacknowledged readings and resend them once the broker is back; past their hold limit "
             "new readings are refused (the failed-send counter rises), and a producer that stays unable to send "
             "turns unhealthy and is restarted by its liveness probe. The processor stops consuming and resumes. "
             "The broker's log survives on its PersistentVolumeClaim.",
    "influxdb": "The processor's writes fail and are retried (the write-error rate rises); the Conveyor Speed "
                "dashboard shows a gap. The data survives on the PersistentVolumeClaim.",
    "grafana": "Dashboards do not load (connection refused on the NodePort and port-forward); no reading is lost.",
    "prometheus": "Prometheus panels show No data and, with its emptyDir storage, the metrics history is gone; the "
                  "pipeline keeps flowing.",
    "loki": "Log panels and Explore return nothing for the outage; the pipeline keeps flowing.",
}
# Metric names (in the dashboards' queries) that move when each tier is lost.
METRICS = {
    "producer": ("producer_messages_sent_total", 'app="producer"'),
    "processor": ("processor_messages_consumed_total", "kafka_consumergroup_lag", 'app="processor"'),
    "kafka": ("producer_messages_failed_total", "kafka_consumergroup_lag"),
    "influxdb": ("processor_influxdb_writes_total", "processor_influxdb_write_errors_total"),
}
# Panels backed by the tier itself go blank when it is lost.
BACKS = {"influxdb": INFLUXDB["type"], "prometheus": PROMETHEUS["type"], "loki": LOKI["type"]}
# The HTTP endpoints a port-forward reaches (ca3cli/operations/services.py), with the path that says the server is up.
HEALTH = {"grafana": (services.GRAFANA, "/api/health"), "prometheus": (services.PROMETHEUS, "/-/ready"),
          "loki": (services.LOKI, "/ready")}
ERRORS = "(?i)error|exception|refused|timeout"


def _common(facts: Facts, w: Workload) -> tuple[Step, ...]:
    """What every tier's diagnosis starts with: its pods, their events and conditions, its last log lines."""
    return (
        Step(facts.kubectl("get", "pods", "-l", w.label_selector, "-o", "wide"),
             "Is a replacement scheduled, Running and Ready? AGE shows whether it is new, RESTARTS whether it "
             "crashes, NODE where it runs."),
        Step(facts.kubectl("events", "--for", w.ref),
             f"What the {w.kind} controller did (pods created, failed to create)."),
        Step(facts.kubectl("get", "events", "--field-selector", "involvedObject.kind=Pod",
                           "--sort-by=.lastTimestamp"),
             "Scheduling, image pull, probe and kill events of the pods, latest last."),
        Step(facts.kubectl("describe", "pods", "-l", w.label_selector),
             "Conditions and the reason a pod is not Ready (Pending: no node fits; failed probes; OOMKilled)."),
        Step(facts.kubectl("logs", "-l", w.label_selector, "-c", w.containers[0], "--tail=50", "--prefix"),
             "The last lines of every pod of the tier."),
    )


def _health(facts: Facts, tier: str) -> Step | None:
    if tier not in HEALTH:
        return None
    component, path = HEALTH[tier]
    service, port = services.target(facts.names, component)
    forward = facts.kubectl("port-forward", service, f"{port}:{port}")
    return Step(f"{forward} &\ncurl -fsS http://127.0.0.1:{port}{path}",
                "Ask the server itself whether it is up, through its Service.")


def _claims(facts: Facts, w: Workload) -> Step | None:
    if not w.claims:
        return None
    return Step(facts.kubectl("get", "pvc", "-l", w.label_selector),
                "The data volumes must be Bound: a replacement pod waits for its own claim.")


def _force(facts: Facts, w: Workload) -> tuple[Step, ...]:
    """A StatefulSet pod on a node that is gone stays Terminating, and its replacement waits for it (one pod per
    identity): delete it by force, only once the node is known to be down."""
    if w.kind != "StatefulSet" or not w.replicas:
        return ()
    return tuple(Step(facts.kubectl("delete", f"pod/{w.name}-{ordinal}", "--grace-period=0", "--force"),
                      f"Only if {w.name}-{ordinal} stays Terminating because its node is down.")
                 for ordinal in range(w.replicas))


# Tiers the readings pass through: once they are back, data must flow end to end again.
DATA_PATH = ("producer", "processor", "kafka", "influxdb")
# Tiers whose loss also takes the way to read logs through Grafana away.
LOG_READERS = ("grafana", "loki")


def _readiness(facts: Facts, tier: str) -> Step | None:
    own = [check for check in facts.criteria
           if check.endswith((f".{tier}-ready", f".{tier}-health", f".{tier}-service"))]
    return facts.validate(*own, "m1.pods-running", *(("m1.data-flow",) if tier in DATA_PATH else ()))


def pod_lost(facts: Facts, w: Workload) -> Procedure:
    tier = w.tier
    return Procedure(
        key=f"pod-lost-{tier}", title=f"{tier} pod lost",
        symptoms=(f"`kubectl get pods` shows the {w.name} pod Terminating or gone, then a new one (young AGE) "
                  "starting.", EFFECT[tier]),
        alerts=facts.alerts(tier),
        panels=facts.panels(*METRICS.get(tier, ()), datasource=BACKS.get(tier, "")),
        logql=(facts.logql(w), facts.logql(w, ERRORS)) if facts.features["logging"] and tier not in LOG_READERS
        else (),
        diagnose=steps(_common(facts, w), _claims(facts, w), _health(facts, tier)),
        recover=steps(
            Step(facts.kubectl("rollout", "status", w.ref, "--timeout=120s"),
                 f"The {w.kind} recreates the pod by itself; wait until it is Ready."),
            _force(facts, w),
            _readiness(facts, tier),
        ),
    )


def crash_loop(facts: Facts, workloads: Sequence[Workload]) -> Procedure:
    """One procedure for every tier: the commands are the same, run against the tier that restarts."""
    shared = set.intersection(*(set(w.selector.items()) for w in workloads))  # the labels every tier's pods carry
    return Procedure(
        key="crash-loop", title="A main process crashes or restarts in a loop",
        symptoms=("RESTARTS of a pod grows; STATUS alternates Running, Error and CrashLoopBackOff (the kubelet "
                  "waits longer between restarts, up to 5 minutes).",
                  "What the tier's loss does to the pipeline, intermittently: see its \"pod lost\" procedure."),
        alerts=facts.alerts("restart", "crashloop"),
        panels=facts.panels('up{'),
        logql=tuple(facts.logql(w, ERRORS) for w in workloads if w.tier not in LOG_READERS)
        if facts.features["logging"] else (),
        diagnose=steps(
            Step(facts.kubectl("get", "pods", "-l", ",".join(f"{k}={v}" for k, v in sorted(shared))),
                 "RESTARTS and STATUS of every pod ca3 deployed: which tier restarts."),
            Step("\n".join(facts.kubectl("logs", "-l", w.label_selector, "-c", w.containers[0], "--previous",
                                         "--tail=100", "--prefix") for w in workloads),
                 "The crashed run's last lines, the reason it exited (the line of the tier that restarts)."),
            Step("\n".join(facts.kubectl("describe", "pods", "-l", w.label_selector) for w in workloads),
                 "Last State: exit code and reason (OOMKilled: raise the memory limit in ca3.yaml; Error: see the "
                 "logs); a failing liveness probe shows in the events."),
        ),
        recover=steps(
            Step(f"ca3 deploy -m {facts.milestone}",
                 "Once the cause is fixed (a dependency back, ca3.yaml corrected): re-apply what ca3 renders."),
            Step("\n".join(facts.kubectl("rollout", "restart", w.ref) for w in workloads),
                 "Start fresh pods of the tier that restarts (its line)."),
            Step("\n".join(facts.kubectl("rollout", "undo", w.ref) for w in workloads if w.kind == "Deployment"),
                 "If a new image or setting causes the crash: go back to the previous Deployment revision."),
            facts.validate("m9.no-crashloops"),
        ),
    )
