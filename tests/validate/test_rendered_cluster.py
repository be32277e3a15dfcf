"""The healthy cluster the validate tests derive from rendered manifests has the shapes the real 1.28 server returned
(tests/fixtures/kubectl/recorded/), and every object the milestone renders."""

from __future__ import annotations

from typing import Any

import pytest

from ca3cli.core.topology import Topology
from tests.fixtures.kubectl import fixture_json
from tests.validate.healthy_cluster import deployed, manifests


def recorded_item(name: str, kind: str, object_name: str) -> dict[str, Any]:
    return next(i for i in fixture_json(f"recorded/{name}")["items"]
                if i["kind"] == kind and i["metadata"]["name"] == object_name)


@pytest.mark.parametrize(("kind", "name", "recording"), [
    ("StatefulSet", "kafka", fixture_json("recorded/get-statefulset-kafka.json")),
    ("Deployment", "producer", fixture_json("recorded/get-deployment-producer.json")),
    ("DaemonSet", "promtail", recorded_item("get-all.json", "DaemonSet", "promtail")),
    ("Pod", "kafka-0", recorded_item("get-pods.json", "Pod", "kafka-0")),
    ("Service", "grafana-service", recorded_item("get-svc.json", "Service", "grafana-service")),
])
def test_status_and_server_fields_are_those_the_real_server_returned(kind: str, name: str,
                                                                     recording: dict[str, Any]) -> None:
    live = deployed(6).named(kind, name)
    assert set(live.get("status", {})) == set(recording.get("status", {}))
    assert {"uid", "resourceVersion", "creationTimestamp", "namespace"} <= set(live["metadata"])
    if kind == "Pod":
        container, real = live["status"]["containerStatuses"][0], recording["status"]["containerStatuses"][0]
        assert set(container) == set(real)
        kinds = [c["type"] for c in recording["status"]["conditions"]]
        assert [c["type"] for c in live["status"]["conditions"]] == kinds
    if kind == "Service":
        assert {"clusterIP", "clusterIPs", "type", "sessionAffinity"} <= set(live["spec"])


def test_every_rendered_object_is_there_with_endpoints_for_every_service_and_pods_for_every_workload() -> None:
    cluster, names = deployed(1), Topology.of_manifests(manifests(1))
    assert sum(len(v) for k, v in cluster.by_kind.items() if k not in ("Pod", "EndpointSlice")) == len(names.objects())
    slices = {s["metadata"]["labels"]["kubernetes.io/service-name"]: s for s in cluster.of("EndpointSlice")}
    assert set(slices) == {s["metadata"]["name"] for s in cluster.of("Service")}
    assert all(s["endpoints"] for s in slices.values())
    assert names.first_pod("kafka") in {p["metadata"]["name"] for p in cluster.of("Pod")}


def test_secrets_are_served_as_base64_data_with_the_keys_written_at_run_time() -> None:
    auth = deployed(1).named("Secret", Topology.of_manifests(manifests(1)).secret("influxdb", "admin-token").name)
    assert "stringData" not in auth and {"processor-token", "grafana-token", "admin-token"} <= set(auth["data"])
