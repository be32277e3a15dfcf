"""The rendered Deployments and the apps agree on the probe listener: the kubelet probes the container port named
`probes`, which is the HTTP_PROBE_PORT the app reads from the same manifest, apart from the metrics port; no
Service and no NetworkPolicy opens it (the kubelet, on the pod's own node, needs no rule)."""

from __future__ import annotations

from typing import Any

import pytest
from conveyor_common.env import load_http

from ca3cli.core import registry, topology
from ca3cli.core.settings import Settings

APPS = ("producer", "processor")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


@pytest.fixture(scope="module")
def names() -> topology.Topology:
    return topology.of_milestone(Settings(), registry.HIGHEST)


def container(names: topology.Topology, app: str) -> dict[str, Any]:
    containers = names.workload_object(app)["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == app)


@pytest.mark.parametrize("app", APPS)
def test_the_kubelet_probes_the_port_the_app_serves_its_probes_on(names: topology.Topology, app: str) -> None:
    main = container(names, app)
    env = {variable["name"]: variable["value"] for variable in main["env"] if "value" in variable}
    http = load_http(env, threads=1)
    assert http.probe_port == names.container_port(app, "probes")
    assert http.port == names.container_port(app, "metrics") != http.probe_port
    assert [main[probe]["httpGet"]["port"] for probe in PROBES] == ["probes"] * 3
    assert [main[probe]["httpGet"]["path"] for probe in PROBES] == ["/healthz", "/readyz", "/healthz"]


def test_no_service_or_network_policy_opens_the_probe_port(names: topology.Topology) -> None:
    probe_ports = {names.container_port(app, "probes") for app in APPS}
    opened: set[object] = set()
    for service in names.objects(kind="Service"):
        opened |= {port.get("targetPort", port["port"]) for port in service["spec"]["ports"]}
    for policy in names.objects(kind="NetworkPolicy"):
        for rule in policy["spec"].get("ingress") or []:
            # A rule without ports opens every port of the pods it selects.
            opened |= {port.get("port") for port in rule.get("ports") or [{"port": "every port"}]}
    assert opened and not opened & (probe_ports | {"probes", "every port"}), opened
