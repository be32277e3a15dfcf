"""Procedures for failures beyond one tier's pod: a tier cut off by the network, a node drained or lost, Kafka
broker loss, a database outage, consumer lag, and certificate expiry."""

from __future__ import annotations

from ca3cli.core import kraft
from ca3cli.operations.procedures.inventory import SHORT
from ca3cli.operations.procedures.model import Facts, Procedure, Step, steps
from ca3cli.operations.procedures.tiers import ERRORS

# Which tiers read which TLS link (the seed's lists of logs that must show no TLS errors, m7/m8.no-tls-errors).
TLS_LINKS = {"tls_influxdb": ("influxdb", "processor", "grafana"), "tls_kafka": ("kafka", "producer", "processor")}
TLS_ERRORS = "(?i)tls|x509|certificate|handshake"
# kafka-exporter's metrics for the brokers and partitions (kafka_exporter's own metric names).
BROKERS = "kafka_brokers"
UNDER_REPLICATED = "sum(kafka_topic_partition_under_replicated_partition)"
LAG = 'sum by (topic) (kafka_consumergroup_lag{group="processor"})'


def _promql(facts: Facts, *queries: str) -> tuple[str, ...]:
    """PromQL to paste into Prometheus or Grafana Explore, once kafka-exporter is scraped (milestone 3)."""
    return queries if facts.features["app_metrics"] else ()


def network_cut(facts: Facts) -> Procedure:
    inv, names = facts.inventory, facts.names
    services = [service.name for component in names.components for service in names.services(component)]
    return Procedure(
        key="network-cut", title="A tier cut off by the network",
        symptoms=("Pods stay Running and Ready but their clients time out: connection timeouts in the logs of "
                  "producer and processor, consumer lag grows, panels flatten.",
                  "Usually a NetworkPolicy that denies the traffic (a new or changed policy; every pod here is "
                  "denied by default and allowed by a named policy), or a Service without endpoints."),
        alerts=facts.alerts("up{", "unreachable", "timeout"),
        panels=facts.panels("producer_messages_failed_total", "kafka_consumergroup_lag"),
        logql=(f'{{namespace="{inv.namespace}"}} |~ "(?i)timed? ?out|unreachable|refused"',)
        if facts.features["logging"] else (),
        diagnose=steps(
            Step(facts.kubectl("get", "networkpolicy"),
                 f"ca3 renders exactly these: {', '.join(inv.policies)}. Any other policy was added by hand or by "
                 "a drill."),
            Step("\n".join(facts.kubectl("describe", f"networkpolicy/{name}") for name in inv.policies
                           if name in inv.workloads),
                 "What the policy of each tier allows in and out (the cut-off tier's line)."),
            Step(facts.kubectl("get", "endpoints", *services),
                 "Every Service must list ready pod addresses; an empty one means no Ready pod matches it."),
        ),
        recover=steps(
            Step(facts.kubectl("delete", "networkpolicy", "<name>"),
                 "Remove a policy that is not among ca3's (name it from the list above)."),
            Step(f"ca3 deploy -m {facts.milestone}", "Re-apply ca3's policies if one was edited."),
            facts.validate("m1.networkpolicies", "m1.service-endpoints", "m1.data-flow"),
        ),
    )


def node_lost(facts: Facts) -> Procedure:
    inv = facts.inventory
    return Procedure(
        key="node-lost", title="A node drained or lost",
        symptoms=("`kubectl get nodes` shows a node NotReady or SchedulingDisabled; its pods are evicted (drain) "
                  "or, when the node died, marked for deletion after about 5 minutes.",
                  "Deployment pods come back on other nodes; a StatefulSet pod (kafka, influxdb) waits for its "
                  "volume, which may be tied to the lost node."),
        alerts=facts.alerts("node"),
        panels=facts.panels("up{"),
        logql=(),
        diagnose=steps(
            Step("kubectl get nodes -o wide", "Which node is NotReady or cordoned (SchedulingDisabled)."),
            Step(facts.kubectl("get", "pods", "-o", "wide", "--field-selector", "spec.nodeName=<node>"),
                 "What ran on that node."),
            Step("kubectl describe node <node>", "Conditions and taints of the node (why it is NotReady)."),
            Step(facts.kubectl("get", "pdb", *inv.budgets),
                 "A drain waits while ALLOWED DISRUPTIONS is 0: it will not take the last Kafka broker.")
            if inv.budgets else None,
            Step(facts.kubectl("get", "pods", "--field-selector", "status.phase=Pending"),
                 "Pods that found no node (describe them for the scheduler's reason)."),
        ),
        recover=steps(
            Step("kubectl uncordon <node>", "After maintenance: let pods schedule on the node again."),
            Step("\n".join(facts.kubectl("rollout", "status", w.ref, "--timeout=300s")
                           for w in inv.workloads.values() if w.kind == "StatefulSet"),
                 "Wait for the StatefulSets, whose pods come back last (they wait for their volumes)."),
            facts.validate("m1.pods-running", "m9.controller-owned"),
        ),
    )


def broker_loss(facts: Facts) -> Procedure:
    kafka = facts.inventory.workloads["kafka"]
    brokers = facts.settings.kafka.replicas
    if brokers > 1:
        effect = (f"With {brokers} brokers the topic stays available: partitions led by the lost broker elect a "
                  "new leader, and are under-replicated until it rejoins and catches up.")
    else:
        effect = ("With a single broker (kafka.replicas: 1) the topic is unavailable until the broker restarts: "
                  "producers fail their sends, the processor waits. Use 3 brokers to survive the loss of one.")
    return Procedure(
        key="kafka-broker-loss", title="Kafka broker lost",
        symptoms=(effect, "Clients log disconnects and retries, then reconnect by themselves."),
        alerts=facts.alerts("kafka", "broker", "under_replicated"),
        panels=facts.panels("producer_messages_failed_total", "kafka_consumergroup_lag"),
        logql=(facts.logql(kafka, "(?i)error|shutdown|leader"),) if facts.features["logging"] else (),
        promql=_promql(facts, BROKERS, UNDER_REPLICATED),
        diagnose=steps(
            Step(facts.kubectl("get", "pods", "-l", kafka.label_selector, "-o", "wide"),
                 f"Which broker pods (kafka.replicas: {brokers}) are Ready."),
            Step(facts.kubectl("logs", kafka.ref, "-c", kafka.containers[0], "--tail=100"),
                 "The broker's start-up: log recovery and joining the KRaft quorum."),
            Step(facts.kubectl("get", "pvc", "-l", kafka.label_selector), "Each broker's data volume is Bound."),
            Step(facts.kubectl("exec", f"pod/{kafka.name}-0", "-c", kafka.containers[0], "--", "bash",
                               kraft.QUORUM_SCRIPT, "describe", "--replication"),
                 "Every broker listed once, as Leader or Follower (a KRaft voter). One that lost its volume is "
                 "listed as Observer with a new directory id until auto-join puts it in place of its old entry "
                 "(docs/cluster-operations.md)."),
        ),
        recover=steps(
            Step(facts.kubectl("rollout", "status", kafka.ref, "--timeout=300s"),
                 "The StatefulSet recreates the broker with the same name and volume."),
            facts.validate("m1.kafka-ready", "m1.topic", "m1.data-flow"),
        ),
    )


def database_outage(facts: Facts) -> Procedure:
    influxdb, processor = facts.inventory.workloads["influxdb"], facts.inventory.workloads["processor"]
    return Procedure(
        key="database-outage", title="InfluxDB outage",
        symptoms=("The processor's writes fail and are retried; it stops committing Kafka offsets for what it "
                  "could not write, so readings wait in Kafka (lag grows) instead of being lost.",
                  "Conveyor Speed panels show a gap until InfluxDB answers again."),
        alerts=facts.alerts("influx", "write_error"),
        panels=facts.panels("processor_influxdb_write_errors_total", "processor_influxdb_writes_total",
                            "kafka_consumergroup_lag", datasource="influxdb"),
        logql=(facts.logql(processor, "(?i)influx.*(error|fail|refused)"), facts.logql(influxdb, ERRORS))
        if facts.features["logging"] else (),
        diagnose=steps(
            Step(facts.kubectl("get", "pods", "-l", influxdb.label_selector, "-o", "wide"), "Is InfluxDB Ready?"),
            Step(facts.kubectl("logs", influxdb.ref, "-c", influxdb.containers[0], "--tail=100"),
                 "Start-up, storage and TLS errors of the database."),
            Step(facts.kubectl("get", "pvc", "-l", influxdb.label_selector),
                 "The data volume is Bound (a full volume stops writes)."),
            Step(facts.kubectl("logs", "-l", processor.label_selector, "-c", processor.containers[0], "--tail=50",
                               "--prefix"), "The processor's write errors and retries."),
        ),
        recover=steps(
            Step(facts.kubectl("rollout", "status", influxdb.ref, "--timeout=300s"),
                 "The StatefulSet brings InfluxDB back on the same volume; the processor's retries then drain "
                 "the backlog from Kafka."),
            facts.validate("m1.influxdb-ready", "m1.data-flow"),
        ),
    )


def consumer_lag(facts: Facts) -> Procedure:
    scaling, processor = facts.settings.autoscaling, facts.inventory.workloads["processor"]
    partitions = facts.settings.kafka.partitions
    scalers = [(kind, name) for kind, name in facts.inventory.autoscalers if name == processor.name]
    recover: tuple[Step, ...]
    if facts.features["autoscaling"] and scalers:
        most = scaling.processor_max_replicas or partitions
        how = ("KEDA scales the processor on lag above "
               f"{scaling.processor_lag_threshold} messages per replica" if scaling.processor == "keda"
               else f"The HPA scales the processor on CPU above {scaling.processor_cpu_target_percent}% of its "
               "request")
        scale = (f"{how}, between {scaling.processor_min_replicas} and {most} replicas (at most "
                 f"kafka.partitions = {partitions} consume).")
        recover = (Step(facts.kubectl("get", *(f"{SHORT[kind]}/{name}" for kind, name in scalers)),
                        "Current and desired replicas."),
                   Step(f"ca3 deploy -m {facts.milestone}",
                        "To allow more: raise autoscaling.processor_max_replicas (and kafka.partitions) in ca3.yaml, "
                        "then deploy."))
    else:
        scale = (f"Nothing scales the processor at this milestone: it runs processor.replicas = "
                 f"{facts.settings.processor.replicas} (at most kafka.partitions = {partitions} consume).")
        recover = (Step(facts.kubectl("scale", processor.ref, f"--replicas={partitions}"),
                        "Add consumers by hand, up to one per partition (set processor.replicas in ca3.yaml and "
                        "deploy to keep it)."),)
    return Procedure(
        key="consumer-lag", title="Consumer lag and backlog",
        symptoms=("Consumer lag of group `processor` keeps growing: readings arrive faster than they are written, "
                  "or the processor is stalled.", scale),
        alerts=facts.alerts("lag"),
        panels=facts.panels("kafka_consumergroup_lag", "processor_messages_consumed_total",
                            "processor_end_to_end_latency_seconds_bucket"),
        logql=(facts.logql(processor, ERRORS),) if facts.features["logging"] else (),
        promql=_promql(facts, LAG),
        diagnose=steps(
            Step(facts.kubectl("top", "pods", "-l", processor.label_selector),
                 "CPU and memory of each processor pod (needs metrics-server)."),
            Step(facts.kubectl("get", "pods", "-l", processor.label_selector), "How many processors run."),
        ),
        recover=steps(recover, facts.validate("m6.scaling-cycle")),
    )


def certificates(facts: Facts) -> Procedure | None:
    links = [link for link in TLS_LINKS if facts.features[link]]
    if not links:
        return None
    inv = facts.inventory
    tiers = sorted({tier for link in links for tier in TLS_LINKS[link]})
    readers = inv.readers(inv.tls_secrets) or tuple(inv.workloads[t] for t in tiers if t in inv.workloads)
    return Procedure(
        key="certificate-expiry", title="Certificate expiry and rotation",
        symptoms=("Clients refuse the server: TLS handshake errors (certificate expired, unknown authority, name "
                  f"mismatch) in the logs of {', '.join(tiers)}; writes or sends stop.",),
        alerts=facts.alerts("cert", "tls", "x509", "ssl"),
        panels=facts.panels("producer_messages_failed_total", "processor_influxdb_write_errors_total"),
        logql=tuple(facts.logql(inv.workloads[t], TLS_ERRORS) for t in tiers if t in inv.workloads)
        if facts.features["logging"] else (),
        diagnose=steps(
            Step("ca3 certs --check", "Expiry, issuer and names of every certificate, here and in the cluster."),
            Step(facts.kubectl("get", "secret", *inv.tls_secrets), "The TLS Secrets exist (names only).")
            if inv.tls_secrets else None,
            facts.validate("m7.influxdb-tls-secret", "m7.influxdb-tls-handshake", "m8.kafka-tls-secret",
                           "m8.kafka-tls-handshake", why="Which certificate the cluster holds is wrong, and which "
                           "handshake fails."),
        ),
        recover=steps(
            Step("ca3 certs --rotate", "Renew every certificate from the same CA, apply the Secrets and restart "
                 "the workloads that read them."),
            Step("\n".join(facts.kubectl("rollout", "status", w.ref, "--timeout=300s") for w in readers),
                 "Wait until every workload that reads a certificate is Ready again."),
            facts.validate("m7.no-tls-errors", "m8.no-tls-errors"),
        ),
    )
