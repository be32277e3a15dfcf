"""Every check's pure decision, PASS and FAIL at least, from evidence shaped like what `gather` collects."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core import registry
from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.core.podsecurity import namespace as namespace_policy
from ca3cli.core.topology import Workload
from ca3cli.operations.validate import catalogue
from ca3cli.operations.validate.grafana import pick_panel
from ca3cli.operations.validate.model import Status
from tests.fixtures.kubectl import fixture_json
from tests.loadtest import recorded
from tests.validate import api_shapes as api
from tests.validate import kube_objects as k
from tests.validate.pki import issue

PASS, FAIL, WARN = Status.PASS, Status.FAIL, Status.WARN
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CASES: list[tuple[str, str, Any, Status]] = []


def case(check_id: str, name: str, evidence: Any, expected: Status) -> None:
    CASES.append((check_id, name, evidence, expected))


# --- workloads -------------------------------------------------------------------------------------------------
READY = {"m1.kafka-ready": ("statefulset", "kafka"), "m1.influxdb-ready": ("statefulset", "influxdb"),
         "m1.producer-ready": ("deployment", "producer"), "m1.processor-ready": ("deployment", "processor"),
         "m1.grafana-ready": ("deployment", "grafana"), "m2.prometheus-ready": ("deployment", "prometheus"),
         "m3.kafka-exporter-ready": ("deployment", "kafka-exporter"), "m5.loki-ready": ("deployment", "loki")}
for check_id, (kind, name) in READY.items():
    case(check_id, "all replicas ready", (Workload(kind, name), k.workload(kind, name, 2)), PASS)
    case(check_id, "one of two ready", (Workload(kind, name), k.workload(kind, name, 2, ready=1)), FAIL)
    case(check_id, "missing", (Workload(kind, name), None), FAIL)

managed = [k.workload("StatefulSet", "kafka")]
case("m1.namespace", "active, objects inside", {"namespace": k.NS, "object": k.namespace(), "managed": managed}, PASS)
stray = k.workload("Deployment", "producer")
stray["metadata"]["namespace"] = "default"
case("m1.namespace", "object in default", {"namespace": k.NS, "object": k.namespace(), "managed": [stray]}, FAIL)
case("m1.namespace", "nothing deployed", {"namespace": k.NS, "object": k.namespace(), "managed": []}, FAIL)
case("m1.namespace", "terminating", {"namespace": k.NS, "object": k.namespace(phase="Terminating"), "managed": []},
     FAIL)

# a real 1.28 namespace, before these labels
recorded_ns = fixture_json("recorded/get-namespace-conveyor-pipeline.json")
restricted = namespace_policy.policy([registry.COMPONENTS["kafka"], registry.COMPONENTS["alloy"]]).labels()
labelled = {"namespace": k.NS, "milestone": 6, "labels": recorded_ns["metadata"]["labels"] | restricted,
            "want": restricted}
case("m1.pod-security-labels", "restricted as rendered", labelled, PASS)
case("m1.pod-security-labels", "no labels (as recorded)", {**labelled, "labels": recorded_ns["metadata"]["labels"]},
     FAIL)
case("m1.pod-security-labels", "recorded enforce=baseline warn=restricted",
     {**labelled,
      "labels": fixture_json("recorded/podsecurity-get-namespace-rec-tmp.json")["metadata"]["labels"]}, FAIL)
case("m1.pod-security-labels", "version not pinned",
     {**labelled, "labels": {**labelled["labels"], namespace_policy.LABEL_PREFIX + "warn-version": "latest"}}, FAIL)
case("m1.pod-security-labels", "privileged where Promtail needs it",
     {**labelled, "labels": namespace_policy.policy([registry.COMPONENTS["promtail"]]).labels(),
      "want": namespace_policy.policy([registry.COMPONENTS["promtail"]]).labels()}, PASS)

healthy_pods = [k.pod("kafka-0", "kafka", owner="StatefulSet"), k.pod("producer-1", "producer"),
                k.pod("kafka-topic-create-x", "kafka-topic-create", phase="Succeeded", owner="Job")]
case("m1.pods-running", "running, job done", healthy_pods, PASS)
case("m1.pods-running", "crash loop", [*healthy_pods, k.pod("processor-1", "processor", waiting="CrashLoopBackOff")],
     FAIL)
case("m1.pods-running", "not ready", [k.pod("grafana-1", "grafana", ready=False)], FAIL)
case("m1.pods-running", "no pods", [], FAIL)
case("m9.controller-owned", "all owned", healthy_pods, PASS)
case("m9.controller-owned", "bare pod", [*healthy_pods, k.pod("debug", "debug", owner=None)], FAIL)

for check_id in ("m1.service-endpoints", "m2.prometheus-service", "m3.kafka-exporter-service", "m5.loki-service"):
    case(check_id, "ready endpoints", {"svc-a": 1, "svc-b": 3}, PASS)
    case(check_id, "no ready endpoint", {"svc-a": 1, "svc-b": 0}, FAIL)
    case(check_id, "service missing", {"svc-a": None}, FAIL)

influx_keys = {"admin-username", "admin-password", "admin-token", "processor-token", "grafana-token"}
all_keys = {"influxdb-auth": (influx_keys, influx_keys),
            "grafana-admin": ({"admin-user", "admin-password"}, {"admin-user", "admin-password"}),
            "kafka-cluster": ({"cluster-id"}, {"cluster-id", "extra"})}
case("m1.secrets", "all keys", all_keys, PASS)
case("m1.secrets", "key missing", {**all_keys, "grafana-admin": ({"admin-user", "admin-password"}, {"admin-user"})},
     FAIL)
case("m1.secrets", "runtime key not written yet",
     {**all_keys, "influxdb-auth": (influx_keys, influx_keys - {"grafana-token"})}, FAIL)
case("m1.secrets", "secret missing", {**all_keys, "kafka-cluster": ({"cluster-id"}, None)}, FAIL)
case("m1.secrets", "nothing rendered", {}, FAIL)

accounts = {"workloads": {"deployment/producer": "producer", "statefulset/kafka": "kafka"},
            "accounts": {"producer", "kafka", "default"}}
case("m1.serviceaccounts", "own accounts", accounts, PASS)
case("m1.serviceaccounts", "default account",
     {**accounts, "workloads": {**accounts["workloads"], "deployment/grafana": "default"}}, FAIL)
case("m1.serviceaccounts", "account missing", {**accounts, "accounts": {"producer"}}, FAIL)

case("m1.rbac", "cannot read secrets", {"statefulset/kafka": "no", "deployment/producer": "no"}, PASS)
case("m1.rbac", "producer can", {"statefulset/kafka": "no", "deployment/producer": "yes"}, FAIL)
for check_id, workload in (("m2.prometheus-rbac", "deployment/prometheus"),
                           ("m5.log-agent-rbac", "daemonset/promtail")):
    case(check_id, "may list pods", {workload: "yes"}, PASS)
    case(check_id, "may not", {workload: "no - RBAC: clusterrole not found"}, FAIL)
    case(check_id, "workload missing", {workload: "workload missing"}, FAIL)

# --- scaling ---------------------------------------------------------------------------------------------------
control_plane = k.node("ca3-control-plane", taints=[{"key": "node-role.kubernetes.io/control-plane",
                                                      "effect": "NoSchedule"}])


def daemonset(ready: int, desired: int, tolerations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    ds = k.workload("DaemonSet", "promtail")
    ds["spec"]["template"]["spec"]["tolerations"] = tolerations or []
    ds["status"] = {"desiredNumberScheduled": desired, "numberReady": ready, "currentNumberScheduled": desired}
    return ds


workers = [k.node("ca3-worker"), k.node("ca3-worker2")]
case("m5.log-agent-per-node", "one per worker", {"agent": "promtail", "daemonset": daemonset(2, 2),
                                                  "nodes": [control_plane, *workers]}, PASS)
case("m5.log-agent-per-node", "tolerates control plane",
     {"agent": "promtail", "daemonset": daemonset(3, 3, [{"operator": "Exists"}]), "nodes": [control_plane, *workers]},
     PASS)
case("m5.log-agent-per-node", "one not ready", {"agent": "promtail", "daemonset": daemonset(1, 2),
                                                 "nodes": workers}, FAIL)
case("m5.log-agent-per-node", "cordoned node still counted wrong",
     {"agent": "promtail", "daemonset": daemonset(1, 1), "nodes": [k.node("a"), k.node("b")]}, FAIL)
case("m5.log-agent-per-node", "missing", {"agent": "alloy", "daemonset": None, "nodes": workers}, FAIL)


def hpa(current: int = 1, max_replicas: int = 5, cpu: int | None = 12, active: str = "True") -> dict[str, Any]:
    status: dict[str, Any] = {"currentReplicas": current, "desiredReplicas": current, "conditions": [
        {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
        {"type": "ScalingActive", "status": active, "reason": "ValidMetricFound" if active == "True" else
         "FailedGetResourceMetric", "message": "the HPA was able to successfully calculate a replica count"
         if active == "True" else "failed to get cpu utilization: unable to get metrics for resource cpu"}]}
    if cpu is not None:
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": cpu, "averageValue": "6m"}}}]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": k.meta("producer"),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "producer"},
                     "minReplicas": 1, "maxReplicas": max_replicas, "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
            "status": status}


expect = {"target": "Deployment/producer", "min": 1, "max": 5, "cpu": 50}
case("m6.hpa-configured", "as configured", {"name": "producer", "hpa": hpa(), "expect": expect}, PASS)
case("m6.hpa-configured", "max differs", {"name": "producer", "hpa": hpa(max_replicas=3), "expect": expect}, FAIL)
case("m6.hpa-configured", "other target", {"name": "producer", "hpa": hpa(),
                                           "expect": {**expect, "target": "Deployment/renamed"}}, FAIL)
case("m6.hpa-configured", "missing", {"name": "producer", "hpa": None, "expect": expect}, FAIL)
case("m6.hpa-metrics", "cpu reported", {"name": "producer", "hpa": hpa()}, PASS)
case("m6.hpa-metrics", "no metrics-server", {"hpa": hpa(cpu=None, active="False")}, FAIL)
cycle = {"namespace": recorded.NAMESPACE, "damaged": "", "folder": Path("outputs")}
stuck = [*recorded.CLEAN[:5], ("cooldown", (3, 55), (1, 8), 400.0)]
case("m6.scaling-cycle", "clean 1-3-1 recorded", {**cycle, "timeline": recorded.timeline(recorded.CLEAN)}, PASS)
case("m6.scaling-cycle", "never back at minimum", {**cycle, "timeline": recorded.timeline(stuck)}, FAIL)
case("m6.scaling-cycle", "no load test recorded", {**cycle, "timeline": None}, FAIL)
case("m6.scaling-cycle", "recorded in another namespace",
     {**cycle, "namespace": "other", "timeline": recorded.timeline(recorded.CLEAN)}, FAIL)

recent = (NOW - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
old = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
case("m9.no-crashloops", "steady", {"pods": [k.pod("p", "producer", restarted_at=old)], "now": NOW}, PASS)
case("m9.no-crashloops", "recent restart", {"pods": [k.pod("p", "producer", restarted_at=recent)], "now": NOW}, WARN)
case("m9.no-crashloops", "no pods", {"pods": [], "now": NOW}, FAIL)
case("m9.no-crashloops", "crash loop", {"pods": [k.pod("p", "producer", waiting="CrashLoopBackOff")], "now": NOW},
     FAIL)

# --- pipeline --------------------------------------------------------------------------------------------------
describe = ("Topic: conveyor-speed\tTopicId: 4lMQ1n0vRkqoAHt2xAA6Vw\tPartitionCount: 6\tReplicationFactor: 1\t"
            "Configs: min.insync.replicas=1\n\tTopic: conveyor-speed\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\n")
case("m1.topic", "six partitions", {"topic": "conveyor-speed", "output": describe, "code": 0, "want": 6}, PASS)
case("m1.topic", "too few", {"topic": "conveyor-speed", "code": 0, "want": 6,
                             "output": describe.replace("PartitionCount: 6", "PartitionCount: 3")}, FAIL)
case("m1.topic", "absent", {"topic": "conveyor-speed", "code": 1, "want": 6,
                            "output": "Error while executing topic command : Topic 'conveyor-speed' does not exist "
                                      "as expected"}, FAIL)
message = '{"event_time": "2026-11-26T09:00:00Z", "line_id": "line-1", "speed_ms": 1.2, "seq": 41}\n'
case("m1.topic-message", "one read", {"topic": "conveyor-speed",
                                     "stdout": message, "stderr": "Processed a total of 1 messages\n", "code": 0},
     PASS)
case("m1.topic-message", "none read", {"topic": "conveyor-speed",
                                      "stdout": "", "stderr": "Processed a total of 0 messages\n", "code": 0}, FAIL)
speed_log = '[pod/producer-7d9c-x2v4q/producer] {"level": "info", "message": "Speed: 1.23 m/s on line-1"}\n'
case("m1.producer-logs", "speed lines", ("app=producer", speed_log), PASS)
case("m1.producer-logs", "no speed lines", ("app=producer", "producer starting\n"), FAIL)
case("m1.processor-logs", "write lines", ("app=processor", 'processor {"message": "Writing to InfluxDB: 50 points"}\n'),
     PASS)
case("m1.processor-logs", "no write lines", ("app=processor", speed_log), FAIL)
case("m1.data-flow", "grows", {"first": 120, "later": 141, "seconds": 4.1, "since": NOW}, PASS)
case("m1.data-flow", "flat", {"first": 120, "later": 120, "seconds": 20.0, "since": NOW}, FAIL)

# --- network ---------------------------------------------------------------------------------------------------
dns_rule = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
policies = [k.network_policy("default-deny", {}, ["Ingress", "Egress"]),
            k.network_policy("allow-dns", {}, ["Egress"], egress=[dns_rule]),
            k.network_policy("kafka", {"matchLabels": {"app": "kafka"}}, ["Ingress"], ingress=[{"from": []}])]
case("m1.networkpolicies", "baseline", {"policies": policies, "pods": healthy_pods}, PASS)
case("m1.networkpolicies", "no default deny", {"policies": policies[1:], "pods": healthy_pods}, FAIL)
case("m1.networkpolicies", "no dns", {"policies": [policies[0]], "pods": healthy_pods}, FAIL)
probe_base = {"error": "", "target": "10.96.12.34:9092", "plugins": ["kindnet", "kube-proxy"]}
case("m1.networkpolicy-enforced", "blocked", {**probe_base, "output": "ca3-probe: blocked\n"}, PASS)
case("m1.networkpolicy-enforced", "open, plugin does not enforce", {**probe_base, "output": "ca3-probe: connected\n"},
     WARN)
case("m1.networkpolicy-enforced", "open under calico",
     {**probe_base, "output": "ca3-probe: connected\n", "plugins": ["calico-node", "kube-proxy"]}, FAIL)
case("m1.networkpolicy-enforced", "pod never ran",
     {**probe_base, "output": "", "error": "error: timed out waiting for the condition"}, FAIL)
kafka_names = {"service": "kafka-service", "pod": "kafka-0"}
case("m8.no-plaintext-9092", "silent", {**kafka_names, "service_ports": [9093], "answer": None}, PASS)
case("m8.no-plaintext-9092", "kafka answers",
     {**kafka_names, "service_ports": [9093], "answer": "a plaintext Kafka answer"}, FAIL)
case("m8.no-plaintext-9092", "port exposed", {**kafka_names, "service_ports": [9092, 9093], "answer": None}, FAIL)

# --- TLS -------------------------------------------------------------------------------------------------------
for check_id, svc in (("m7.influxdb-tls-secret", "influxdb-service"), ("m8.kafka-tls-secret", "kafka-service")):
    name = f"{svc}.{k.NS}.svc"
    pki = issue(name)
    good = {"type": "kubernetes.io/tls", "keys": ["ca.crt", "tls.crt", "tls.key"], "cert": pki.cert_pem,
            "ca": pki.ca_pem, "names": [name], "now": datetime.now(UTC)}
    case(check_id, "current, named", good, PASS)
    other_name = issue("localhost")
    case(check_id, "other name", {**good, "cert": other_name.cert_pem, "ca": other_name.ca_pem}, FAIL)
    case(check_id, "another CA", {**good, "ca": issue(name).ca_pem}, FAIL)
    expired = issue(name, valid_days=-1)
    case(check_id, "expired", {**good, "cert": expired.cert_pem, "ca": expired.ca_pem}, FAIL)
    case(check_id, "opaque", {**good, "type": "Opaque"}, FAIL)
    handshake = f"m{check_id[1]}.{svc.split('-')[0]}-tls-handshake"
    case(handshake, "verified", {"name": name, "version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256"}, PASS)
    case(handshake, "unknown CA", {"name": name, "error": "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                                          "failed: unable to get local issuer certificate"}, FAIL)

brokers = [f"kafka-{i}.kafka-headless.{k.NS}.svc" for i in range(3)]
three = issue(f"kafka-service.{k.NS}.svc", *brokers)
case("m8.kafka-tls-secret", "every broker named", {**good, "cert": three.cert_pem, "ca": three.ca_pem,
                                                   "names": [f"kafka-service.{k.NS}.svc", *brokers]}, PASS)
case("m8.kafka-tls-secret", "a broker missing", {**good, "cert": three.cert_pem, "ca": three.ca_pem,
                                                 "names": [f"kafka-service.{k.NS}.svc", *brokers,
                                                           f"kafka-3.kafka-headless.{k.NS}.svc"]}, FAIL)

tls_sts = k.workload("StatefulSet", "influxdb")
tls_sts["spec"]["template"]["spec"]["volumes"] = [{"name": "tls", "secret": {"secretName": "influxdb-tls"}}]
tls_sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "tls", "mountPath": "/etc/tls"}]
mount = {"ref": "statefulset/influxdb", "secret": "influxdb-tls"}
case("m7.influxdb-mounts-tls", "mounted", {**mount, "workload": tls_sts}, PASS)
case("m7.influxdb-mounts-tls", "another secret mounted", {**mount, "workload": tls_sts, "secret": "tsdb-tls"}, FAIL)
case("m7.influxdb-mounts-tls", "not mounted", {**mount, "workload": k.workload("StatefulSet", "influxdb")}, FAIL)
case("m7.influxdb-mounts-tls", "no workload", {**mount, "workload": None}, FAIL)
listening = "ts=2026-11-26T08:59:00Z lvl=info msg=Listening log_id=0s service=tcp-listener transport={} addr=:8086\n"
case("m7.influxdb-tls-logs", "https", listening.format("https"), PASS)
case("m7.influxdb-tls-logs", "http", listening.format("http"), FAIL)
case("m7.influxdb-tls-logs", "no listening line", "ts=... msg=Welcome to InfluxDB\n", FAIL)
verified = {"INFLUXDB_URL": "https://influxdb-service:8086", "INFLUXDB_CA_FILE": "/var/run/secrets/ca3/ca/ca.crt"}
case("m7.processor-https", "https", {"deployment/processor": verified}, PASS)
case("m7.processor-https", "https without a CA",
     {"deployment/processor": {"INFLUXDB_URL": "https://influxdb-service:8086"}}, FAIL)
case("m7.processor-https", "http", {"deployment/processor": {"INFLUXDB_URL": "http://influxdb-service:8086"}}, FAIL)
case("m7.processor-https", "missing", {"deployment/processor": None}, FAIL)
for check_id in ("m7.no-tls-errors", "m8.no-tls-errors"):
    case(check_id, "clean", "[pod/processor-5c9b-q8z1m/processor] wrote 50 points\n", PASS)
    case(check_id, "no lines", "No resources found in conveyor-pipeline namespace.\n", FAIL)
    case(check_id, "x509", "influxdb-0 http: TLS handshake error from 10.244.0.9:41234: remote error: tls: bad "
                           "certificate\n", FAIL)
kafka_env = {"KAFKA_LISTENERS": "CLIENT://:9093,INTERNAL://:9094,CONTROLLER://:9095",
             "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CLIENT:SSL,INTERNAL:SSL,CONTROLLER:SSL",
             "KAFKA_INTER_BROKER_LISTENER_NAME": "INTERNAL", "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER"}
case("m8.kafka-tls-config", "ssl on 9093", {"statefulset/kafka": kafka_env}, PASS)
case("m8.kafka-tls-config", "controller in plaintext", {"statefulset/kafka": {
    **kafka_env, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CLIENT:SSL,INTERNAL:SSL,CONTROLLER:PLAINTEXT"}}, FAIL)
case("m8.kafka-tls-config", "inter-broker listener unknown",
     {"statefulset/kafka": {**kafka_env, "KAFKA_INTER_BROKER_LISTENER_NAME": "REPLICATION"}}, FAIL)
case("m8.kafka-tls-config", "milestone-1 listeners",
     {"statefulset/kafka": {**kafka_env, "KAFKA_LISTENERS": "CLIENT://:9092,INTERNAL://:9094,CONTROLLER://:9095",
                            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,"
                                                                    "CONTROLLER:PLAINTEXT"}}, FAIL)
tls_client = {"KAFKA_BOOTSTRAP_SERVERS": "kafka-service:9093", "KAFKA_SECURITY_PROTOCOL": "SSL",
              "KAFKA_SSL_CAFILE": "/var/run/secrets/ca3/ca/ca.crt"}
tls_clients = {"deployment/producer": tls_client, "deployment/processor": tls_client}
case("m8.clients-tls", "both on 9093", tls_clients, PASS)
case("m8.clients-tls", "processor on 9092",
     {**tls_clients, "deployment/processor": {**tls_client, "KAFKA_BOOTSTRAP_SERVERS": "kafka-service:9092"}}, FAIL)
case("m8.clients-tls", "producer without the CA",
     {**tls_clients, "deployment/producer": {"KAFKA_BOOTSTRAP_SERVERS": "kafka-service:9093"}}, FAIL)

# --- Grafana ---------------------------------------------------------------------------------------------------
case("m1.grafana-nodeport", "node port", {"name": "grafana-service", "want": 30300,
                                          "service": k.service("grafana-service", (3000,), "NodePort", 30300)}, PASS)
case("m1.grafana-nodeport", "cluster ip", {"name": "grafana-service", "service": k.service("grafana-service", (3000,)),
                                           "want": 30300}, FAIL)
case("m1.grafana-nodeport", "missing", {"name": "grafana-service", "service": None, "want": 30300}, FAIL)
case("m1.grafana-health", "ok", {"commit": "03f502a94d", "database": "ok", "version": "13.2.0"}, PASS)
case("m1.grafana-health", "db failing", {"database": "failing"}, FAIL)
for check_id, kind, url in (("m1.grafana-influxdb-datasource", "influxdb", "http://influxdb-service:8086"),
                            ("m4.grafana-prometheus-datasource", "prometheus", "http://prometheus-service:9090"),
                            ("m5.grafana-loki-datasource", "loki", "http://loki-service:3100"),
                            ("m7.grafana-influxdb-https", "influxdb", "https://influxdb-service:8086")):
    source = api.grafana_datasource(kind, url)
    case(check_id, "healthy", {"kind": kind, "source": source, "health": api.grafana_health()}, PASS)
    case(check_id, "unhealthy", {"kind": kind, "source": source, "health": api.grafana_health(False)}, FAIL)
    case(check_id, "absent", {"kind": kind, "source": None, "health": {}}, FAIL)
case("m7.grafana-influxdb-https", "plain http", {"kind": "influxdb", "health": api.grafana_health(),
                                                 "source": api.grafana_datasource("influxdb", "http://x:8086")}, FAIL)
dashboard = to_json(pipeline_dashboard())
case("m4.dashboard", "found", dashboard, PASS)
case("m4.dashboard", "absent", None, FAIL)
case("m4.dashboard-refresh", "5s", dashboard, PASS)
case("m4.dashboard-refresh", "10s", {**dashboard, "refresh": "10s"}, FAIL)
for check_id, role in (("m4.panel-producer-rate", "producer"), ("m4.panel-processor-rate", "processor"),
                       ("m4.panel-influxdb-writes", "influxdb")):
    panel = pick_panel(dashboard, role)
    case(check_id, "positive", {"dashboard": True, "panel": panel, "samples": [api.sample(3.2)]}, PASS)
    case(check_id, "zero", {"dashboard": True, "panel": panel, "samples": [api.sample(0)]}, FAIL)
    case(check_id, "no data", {"dashboard": True, "panel": panel, "samples": []}, FAIL)
    case(check_id, "no panel", {"dashboard": True, "panel": None, "samples": []}, FAIL)

# --- Prometheus ------------------------------------------------------------------------------------------------
page = "<!doctype html><html lang=\"en\"><head><title>Prometheus Time Series Collection and Processing Server</title>"
case("m2.prometheus-ui", "ready", {"ready": "Prometheus Server is Ready.\n", "page": page}, PASS)
case("m2.prometheus-ui", "not ready", {"ready": "Service Unavailable", "page": page}, FAIL)
targets = [api.prometheus_self_target(), api.prometheus_target("producer"), api.prometheus_target("processor"),
           api.prometheus_target("kafka-exporter")]
refused = 'Get "http://10.244.0.17:8000/metrics": dial tcp 10.244.0.17:8000: connect: connection refused'
for check_id, position, down in (
        ("m2.prometheus-self-target", 0, api.prometheus_self_target("down")),
        ("m3.prometheus-app-targets", 2, api.prometheus_target("processor", "down", refused)),
        ("m3.prometheus-kafka-exporter-target", 3, api.prometheus_target("kafka-exporter", "down", refused))):
    apps = {"m2.prometheus-self-target": ["prometheus"], "m3.prometheus-app-targets": ["producer", "processor"],
            "m3.prometheus-kafka-exporter-target": ["kafka-exporter"]}[check_id]
    case(check_id, "up", {"apps": apps, "targets": targets}, PASS)
    case(check_id, "down", {"apps": apps, "targets": [*targets[:position], *targets[position + 1:], down]}, FAIL)
    case(check_id, "absent", {"apps": apps, "targets": [*targets[:position], *targets[position + 1:]]}, FAIL)
case("m3.prometheus-app-targets", "app label renamed", {"apps": ["producer", "renamed"], "targets": targets}, FAIL)
case("m2.prometheus-query-up", "samples", {"up": [api.sample(1, job="prometheus")]}, PASS)
case("m2.prometheus-query-up", "empty", {"up": []}, FAIL)
lag = 'kafka_consumergroup_lag{group="processor"}'
case("m3.consumer-lag-metric", "present at zero", {lag: [api.sample(0, group="processor", partition="0")]}, PASS)
case("m3.consumer-lag-metric", "absent", {lag: []}, FAIL)
sums = ("sum(producer_messages_sent_total)", "sum(processor_messages_consumed_total)")
case("m3.prometheus-custom-metrics", "both positive", {sums[0]: [api.sample(420)], sums[1]: [api.sample(415)]}, PASS)
case("m3.prometheus-custom-metrics", "processor zero", {sums[0]: [api.sample(420)], sums[1]: [api.sample(0)]}, FAIL)
case("m3.prometheus-custom-metrics", "no series", {sums[0]: [], sums[1]: [api.sample(3)]}, FAIL)
for check_id, metric in (("m3.producer-metrics", "producer_messages_sent_total"),
                         ("m3.processor-metrics", "processor_messages_consumed_total")):
    exposition = f"# HELP {metric} Total.\n# TYPE {metric[:-6]} counter\n{metric} 42.0\n"
    case(check_id, "exposed", exposition, PASS)
    case(check_id, "other metrics only", "# TYPE python_info gauge\npython_info{version=\"3.12\"} 1.0\n", FAIL)

exec_command = "kubectl exec producer-848b9d6d7-gvhjt -- curl localhost:8000/metrics"
exposition = "# HELP producer_messages_sent_total Total.\nproducer_messages_sent_total 42.0\n"
curl_missing = ('error: Internal error occurred: error executing command in container: failed to exec in container: '
                'failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: '
                'exec: "curl": executable file not found in $PATH: unknown\n')
exec_run = {"command": exec_command, "pod": "producer-848b9d6d7-gvhjt", "code": 0, "stdout": exposition, "stderr": ""}
case("m3.producer-metrics-exec", "curl prints the metric", exec_run, PASS)
case("m3.producer-metrics-exec", "no curl in the image", exec_run | {"code": 126, "stdout": "", "stderr": curl_missing},
     FAIL)
case("m3.producer-metrics-exec", "other metrics only", exec_run | {"stdout": "python_info 1.0\n"}, FAIL)
case("m3.producer-metrics-exec", "no ready pod", {"command": "kubectl exec <producer-pod> -- curl", "pod": None}, FAIL)

# --- Loki ------------------------------------------------------------------------------------------------------
ns_query = f'{{namespace="{k.NS}"}}'
lines = api.loki_streams(({"app": "producer"}, "Speed: 1.2 m/s"), ({"app": "processor"}, "Writing to InfluxDB"))
for check_id in ("m5.loki-namespace-query", "m5.loki-search-speed", "m5.loki-search-writes"):
    case(check_id, "lines", {"query": ns_query, "data": lines}, PASS)
    case(check_id, "nothing", {"query": ns_query, "data": api.loki_streams()}, FAIL)
apps = ["producer", "processor", "kafka", "influxdb"]
case("m5.loki-apps", "all four", {"query": "q", "apps": apps, "data": api.loki_matrix(
    {"producer": 90, "processor": 80, "kafka": 40, "influxdb": 12, "grafana": 3})}, PASS)
case("m5.loki-apps", "no kafka", {"query": "q", "apps": apps, "data": api.loki_matrix(
    {"producer": 90, "processor": 80, "influxdb": 12})}, FAIL)
producer_only = api.loki_streams(({"app": "producer"}, "Speed: 1.2"), ({"app": "producer"}, "Speed: 1.3"))
case("m5.loki-app-filter", "only producer", {"query": "q", "apps": apps, "data": producer_only}, PASS)
case("m5.loki-app-filter", "mixed", {"query": "q", "apps": apps, "data": lines}, FAIL)
case("m5.loki-app-filter", "empty", {"query": "q", "apps": apps, "data": api.loki_streams()}, FAIL)


@pytest.mark.parametrize(("check_id", "name", "evidence", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_decision(check_id: str, name: str, evidence: Any, expected: Status) -> None:
    outcome = catalogue.CHECKS[check_id].decide(evidence)
    assert outcome.status is expected, outcome.evidence
    assert outcome.evidence.strip()


def test_every_check_has_a_pass_and_a_fail_case() -> None:
    seen: dict[str, set[Status]] = defaultdict(set)
    for check_id, _, _, expected in CASES:
        seen[check_id].add(expected)
    lacking = [check_id for check_id in catalogue.CHECKS if not {PASS, FAIL} <= seen[check_id]]
    assert lacking == []
