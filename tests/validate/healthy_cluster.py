"""A healthy cluster as the stand-in kubectl answers it: every read the checks make, answered with the live objects
derived from the rendered milestone (tests/validate/rendered_cluster.py), plus InfluxDB and Grafana behind
port-forwards to recorded-shape local servers."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from ca3cli.core.render import Manifest
from ca3cli.core.topology import Topology
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate import api_shapes as api
from tests.validate import kube_objects as k
from tests.validate.rendered_cluster import LiveCluster, live, rendered

ADMIN_TOKEN = "influx-admin-token-0123456789abcdef"
VALUES = {"influxdb_admin_token": ADMIN_TOKEN, "grafana_admin_password": api.GRAFANA_PASSWORD}
DESCRIBE = ("Topic: conveyor-speed\tTopicId: 4lMQ1n0vRkqoAHt2xAA6Vw\tPartitionCount: 6\tReplicationFactor: 1"
            "\tConfigs: \n")
MESSAGE = '{"event_time": "2026-11-26T09:00:00Z", "line_id": "line-1", "speed_ms": 1.21, "state": "running"}\n'
LISTED = ("Deployment", "StatefulSet", "DaemonSet", "Service", "ConfigMap", "ServiceAccount", "NetworkPolicy", "Job")


@functools.cache
def manifests(milestone: int = 1) -> tuple[Manifest, ...]:
    """The shipped templates rendered for `milestone`, with the Secret values the recorded-shape APIs expect."""
    return tuple(rendered(milestone, values=VALUES))


def deployed(milestone: int = 1, applied: Sequence[Manifest] | None = None) -> LiveCluster:
    """The healthy cluster `ca3 deploy -m milestone` leaves (or one that `applied` manifests made)."""
    return live(manifests(milestone) if applied is None else applied)


def answer_objects(stub: KubectlStub, milestone: int = 1, applied: Sequence[Manifest] | None = None) -> LiveCluster:
    """Every `kubectl get` the checks make, answered from the live objects of the rendered milestone (the cluster
    answers its version first); returns them so tests can derive names and variants."""
    cluster = deployed(milestone, applied)
    stub.on("version", stdout=fixture("recorded/version.json"))
    [namespace] = cluster.of("Namespace")
    stub.on("get", "namespace", namespace["metadata"]["name"], stdout=namespace)
    stub.on("get", "deployments,statefulsets,daemonsets,services,configmaps,serviceaccounts,networkpolicies,jobs",
            stdout=k.listing(*cluster.of(*LISTED)))
    for kind, resource in (("StatefulSet", "statefulsets"), ("Deployment", "deployments"), ("DaemonSet", "daemonsets"),
                           ("Pod", "pods"), ("Service", "services"), ("EndpointSlice", "endpointslices"),
                           ("Secret", "secrets"), ("ServiceAccount", "serviceaccounts"),
                           ("NetworkPolicy", "networkpolicies"),
                           ("HorizontalPodAutoscaler", "horizontalpodautoscalers")):
        stub.on("get", resource, stdout=k.listing(*cluster.of(kind)))
    for item in cluster.of("Secret"):
        stub.on("get", "secret", item["metadata"]["name"], stdout=item)
    return cluster


def answer_healthy_m1(stub: KubectlStub, grafana_port: int, influx_port: int,
                      applied: Sequence[Manifest] | None = None) -> LiveCluster:
    """Objects, exec, logs, auth and the network probe of a healthy milestone-1 cluster; exec and port-forwards
    answer on the names of the applied manifests (the shipped templates' by default)."""
    cluster = answer_objects(stub, applied=applied)
    names = Topology.of_manifests(manifests(1) if applied is None else applied)
    kafka = names.first_pod("kafka")
    producer, processor = (next(p["metadata"]["name"] for p in cluster.of("Pod")
                                if p["metadata"]["labels"].get("app") == names.app(component))
                           for component in ("producer", "processor"))
    stub.on("auth", "can-i", stdout="no\n", returncode=1)
    stub.on("exec", kafka, "--", "/opt/kafka/bin/kafka-topics.sh", stdout=DESCRIBE)
    stub.on("exec", kafka, "--", "/opt/kafka/bin/kafka-console-consumer.sh", stdout=MESSAGE,
            stderr="Processed a total of 1 messages\n")
    stub.on("logs", stdout=f'[pod/{producer}/producer] {{"message": "Speed: 1.21 m/s line-1"}}\n'
                           f'[pod/{processor}/processor] {{"message": "Writing to InfluxDB: 12 points"}}\n')
    stub.on("run", stdout="ca3-probe: blocked\n")
    stub.on("port-forward", names.service("grafana").target, forward_to=grafana_port)
    stub.on("port-forward", names.service("influxdb").target, forward_to=influx_port)
    return cluster


class GrowingCount:
    """InfluxDB's /api/v2/query for a pipeline that writes: every answer counts more points than the last."""

    def __init__(self, start: int = 100, step: int = 15) -> None:
        self.count, self.step = start - step, step

    def __call__(self, seen: Any) -> tuple[int, str]:
        self.count += self.step
        return 200, api.influx_count_csv(self.count)
