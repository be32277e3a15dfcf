"""A healthy milestone-1 cluster as the stand-in kubectl answers it: every read the milestone-1 checks make, with
real-shaped objects, plus InfluxDB and Grafana behind port-forwards to recorded-shape local servers."""

from __future__ import annotations

import functools
from typing import Any

from ca3cli import render
from ca3cli import secrets as generated
from ca3cli.settings import Settings
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate import api_shapes as api
from tests.validate import kube_objects as k

ADMIN_TOKEN = "influx-admin-token-0123456789abcdef"
BASELINE = (("StatefulSet", "kafka"), ("StatefulSet", "influxdb"), ("Deployment", "producer"),
            ("Deployment", "processor"), ("Deployment", "grafana"))
SERVICES = {"kafka-headless": (9092,), "kafka-service": (9092,), "influxdb-service": (8086,),
            "producer-service": (8000,)}
DESCRIBE = ("Topic: conveyor-speed\tTopicId: 4lMQ1n0vRkqoAHt2xAA6Vw\tPartitionCount: 6\tReplicationFactor: 1"
            "\tConfigs: \n")
MESSAGE = '{"event_time": "2026-11-26T09:00:00Z", "line_id": "line-1", "speed_ms": 1.21, "state": "running"}\n'


def workloads(kind: str) -> dict[str, Any]:
    return k.listing(*(k.workload(kind, name) for kind_, name in BASELINE if kind_ == kind))


def pods() -> list[dict[str, Any]]:
    return [k.pod("kafka-0", "kafka", owner="StatefulSet"), k.pod("influxdb-0", "influxdb", owner="StatefulSet"),
            k.pod("producer-6f7d-h2k4x", "producer"), k.pod("processor-5c9b-q8z1m", "processor"),
            k.pod("grafana-7b8c-w3e5r", "grafana"),
            k.pod("kafka-topic-create-7xk2p", "kafka-topic-create", phase="Succeeded", owner="Job")]


def policies() -> list[dict[str, Any]]:
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    return [k.network_policy("default-deny", {}, ["Ingress", "Egress"]),
            k.network_policy("allow-dns", {}, ["Egress"], egress=[dns]),
            k.network_policy("kafka", {"matchLabels": {"app": "kafka"}}, ["Ingress"],
                             ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "producer"}}}],
                                       "ports": [{"protocol": "TCP", "port": 9092}]}])]


def secrets() -> list[dict[str, Any]]:
    return [k.secret("influxdb-auth", {"admin-username": "admin", "admin-password": "pw-0123456789",
                                       "admin-token": ADMIN_TOKEN, "processor-token": "p" * 20,
                                       "grafana-token": "g" * 20}),
            k.secret("grafana-admin", {"admin-user": "admin", "admin-password": api.GRAFANA_PASSWORD}),
            k.secret("kafka-cluster", {"cluster-id": "MkU3OEVBNTcwNTJENDM2Qk"})]


@functools.cache
def rendered_namespace_labels(milestone: int) -> dict[str, str]:
    """The labels ca3 renders on the Namespace (its Pod Security labels among them), as a deploy leaves them."""
    manifests = render.render(Settings(), generated.placeholders(), milestone)
    namespace = next(m for m in manifests if m.component == "namespace")
    return dict(namespace.documents[0]["metadata"]["labels"])


def answer_objects(stub: KubectlStub, milestone: int = 1) -> None:
    """Every `kubectl get` the milestone-1 checks make, healthy (the cluster answers its version first)."""
    stub.on("version", stdout=fixture("version.json"))
    namespace = k.namespace({"ca3.dev/milestone": str(milestone)})
    namespace["metadata"]["labels"].update(rendered_namespace_labels(milestone))
    stub.on("get", "namespace", k.NS, stdout=namespace)
    stub.on("get", "deployments,statefulsets,daemonsets,services,configmaps,serviceaccounts,networkpolicies,jobs",
            stdout=k.listing(*(k.workload(kind, name) for kind, name in BASELINE)))
    stub.on("get", "statefulsets", stdout=workloads("StatefulSet"))
    stub.on("get", "deployments", stdout=workloads("Deployment"))
    stub.on("get", "daemonsets", stdout=k.listing())
    stub.on("get", "pods", stdout=k.listing(*pods()))
    services = [k.service(name, ports) for name, ports in SERVICES.items()]
    services.append(k.service("grafana-service", (3000,), "NodePort", 30300))
    stub.on("get", "services", stdout=k.listing(*services))
    stub.on("get", "endpointslices",
            stdout=k.listing(*(k.endpoint_slice(s, 1) for s in [*SERVICES, "grafana-service"])))
    stub.on("get", "secrets", stdout=k.listing(*secrets()))
    for item in secrets():
        stub.on("get", "secret", item["metadata"]["name"], stdout=item)
    stub.on("get", "serviceaccounts", stdout=k.listing(*(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k.meta(name)} for _, name in BASELINE)))
    stub.on("get", "networkpolicies", stdout=k.listing(*policies()))


def answer_healthy_m1(stub: KubectlStub, grafana_port: int, influx_port: int) -> None:
    """Objects, exec, logs, auth and the network probe of a healthy milestone-1 cluster."""
    answer_objects(stub)
    stub.on("auth", "can-i", stdout="no\n", returncode=1)
    stub.on("exec", "kafka-0", "--", "/opt/kafka/bin/kafka-topics.sh", stdout=DESCRIBE)
    stub.on("exec", "kafka-0", "--", "/opt/kafka/bin/kafka-console-consumer.sh", stdout=MESSAGE,
            stderr="Processed a total of 1 messages\n")
    stub.on("logs", stdout='[pod/producer-6f7d-h2k4x/producer] {"message": "Speed: 1.21 m/s line-1"}\n'
                           '[pod/processor-5c9b-q8z1m/processor] {"message": "Writing to InfluxDB: 12 points"}\n')
    stub.on("run", stdout="ca3-probe: blocked\n")
    stub.on("port-forward", "svc/grafana-service", forward_to=grafana_port)
    stub.on("port-forward", "svc/influxdb-service", forward_to=influx_port)


class GrowingCount:
    """InfluxDB's /api/v2/query for a pipeline that writes: every answer counts more points than the last."""

    def __init__(self, start: int = 100, step: int = 15) -> None:
        self.count, self.step = start - step, step

    def __call__(self, seen: Any) -> tuple[int, str]:
        self.count += self.step
        return 200, api.influx_count_csv(self.count)
