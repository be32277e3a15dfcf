"""ca3cli/core/topology.py answers names from rendered manifests: what each question returns; it refuses to guess."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core import render, template_values
from ca3cli.core.errors import Ca3Error
from ca3cli.core.settings import Grafana, Observability, Settings
from ca3cli.core.topology import Service, Topology, Workload, of_milestone


@functools.cache
def shipped(milestone: int = 9, agent: str = "promtail") -> Topology:
    settings = Settings().model_copy(update={"observability": Observability(log_agent=agent)})
    return of_milestone(settings, milestone)


def test_services_are_the_rendered_ones_and_the_headless_one_is_not_the_service() -> None:
    names = shipped()
    assert [s.name for s in names.services("kafka")] == ["kafka-headless", "kafka-service"]
    kafka = names.service("kafka")
    assert (kafka.name, kafka.port) == ("kafka-service", 9093)  # TLS only from milestone 8
    assert shipped(6).service("kafka").port == 9092
    assert names.service("grafana") == Service("grafana-service", 3000, node_port=30300)
    assert names.service("grafana").target == "svc/grafana-service"
    assert names.service("logging").port == 3100
    headless = names.services("kafka")[0]
    assert (headless.headless, headless.port_named("controller")) == (True, 9095)
    with pytest.raises(Ca3Error, match="Service kafka-headless has no port named tls"):
        headless.port_named("tls")


def test_the_node_port_follows_the_setting() -> None:
    settings = Settings().model_copy(update={"grafana": Grafana(node_port=31000)})
    assert of_milestone(settings, 1).service("grafana").node_port == 31000


@pytest.mark.parametrize(("component", "expected"), [
    ("kafka", Workload("statefulset", "kafka")), ("producer", Workload("deployment", "producer")),
    ("logging", Workload("deployment", "loki")), ("promtail", Workload("daemonset", "promtail"))])
def test_each_component_has_its_workload(component: str, expected: Workload) -> None:
    assert shipped().workload(component) == expected


def test_alloy_replaces_promtail_as_the_log_agent_workload() -> None:
    names = shipped(agent="alloy")
    assert names.workload("alloy").ref == "daemonset/alloy" and not names.has("promtail")


def test_pod_labels_pods_ports_and_the_autoscaler() -> None:
    names = shipped()
    assert names.app("producer") == "producer" and names.pod_labels("kafka")["app.kubernetes.io/name"] == "kafka"
    assert names.first_pod("kafka") == "kafka-0"
    assert names.container_port("processor", "metrics") == 8000
    assert names.autoscaler("producer") == ("producer", Workload("deployment", "producer"))


def test_secrets_hold_the_rendered_and_the_runtime_keys_by_owner() -> None:
    names = shipped()
    auth = names.secret("influxdb", "admin-token")
    assert auth.name == "influxdb-auth"
    assert set(auth.keys) == {"admin-username", "admin-password", "admin-token", "processor-token", "grafana-token"}
    assert names.secret("grafana", "admin-password").keys == ("admin-user", "admin-password", "renderer-token")
    with pytest.raises(Ca3Error, match=r"0 rendered Secrets of grafana hold tls\.crt"):
        names.secret("grafana", "tls.crt")
    assert {s.name for s in names.secrets()} == {"influxdb-auth", "grafana-admin", "kafka-cluster", "influxdb-tls",
                                                 "kafka-tls"}


def test_a_component_outside_the_milestone_is_an_error_that_says_so() -> None:
    with pytest.raises(Ca3Error, match="Component prometheus is not part of the milestone deployed"):
        shipped(1).service("prometheus")


def _with(component: str, *docs: dict[str, Any]) -> Topology:
    return Topology({component: docs})


def _service(name: str, cluster_ip: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": 80}]}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    return {"kind": "Service", "metadata": {"name": name}, "spec": spec}


def test_it_refuses_to_choose_between_two_services_or_none() -> None:
    with pytest.raises(Ca3Error, match="renders 2 Services with a cluster IP"):
        _with("x", _service("a"), _service("b")).service("x")
    with pytest.raises(Ca3Error, match="renders 0 Services with a cluster IP"):
        _with("x", _service("a", "None")).service("x")
    assert _with("x", _service("a", "None"), _service("b")).service("x").name == "b"


def test_it_refuses_a_component_without_one_workload_and_a_deployment_without_stable_pods() -> None:
    with pytest.raises(Ca3Error, match="renders 0 workloads"):
        _with("x", _service("a")).workload("x")
    with pytest.raises(Ca3Error, match="deployment/producer has no stable pod name"):
        shipped().first_pod("producer")


def test_topology_of_manifests_groups_by_the_component_render_stamps() -> None:
    manifests = render.render(Settings(), template_values.placeholders(), 2)
    names = Topology.of_manifests(manifests)
    assert names.components == tuple(dict.fromkeys(m.component for m in manifests))
    assert len(names.objects()) == sum(len(m.documents) for m in manifests)
    assert [o["metadata"]["name"] for o in names.objects("prometheus", "Service")] == ["prometheus-service"]


def test_an_environment_variable_is_read_from_the_rendered_workload() -> None:
    assert shipped().env("producer", "KAFKA_TOPIC") == "conveyor-speed"
    assert shipped().env("processor", "KAFKA_TOPIC") == "conveyor-speed"
    with pytest.raises(Ca3Error, match="sets no NOT_SET"):
        shipped().env("producer", "NOT_SET")


SHARED = {"kafka-service": "kafka_service", "kafka-headless": "kafka_headless", "influxdb-service": "influxdb_service",
          "influxdb-headless": "influxdb_headless", "8086": "influxdb_port", "conveyor-speed": "topic",
          "conveyor-speed-dlq": "dlq_topic"}


def _template_code(path: Path) -> str:
    """A template without its comments (Jinja's and YAML's), which may name things freely."""
    text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.DOTALL)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("literal", sorted(SHARED))
def test_a_shared_name_port_or_topic_is_written_once_in_the_templates(literal: str) -> None:
    templates = Path(render.__file__).parents[1] / "templates"
    pattern = re.compile(rf"(?<![\w-]){re.escape(literal)}(?![\w-])")
    writers = sorted(str(path.relative_to(templates)) for path in templates.rglob("*.j2")
                     if pattern.search(_template_code(path)))
    assert writers == ["_helpers.j2"]
    assert f'{{% set {SHARED[literal]} = ' in (templates / "_helpers.j2").read_text()
