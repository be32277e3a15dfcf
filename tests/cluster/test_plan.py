"""The deploy plan: phases from the registry's depends_on, waits with their own timeouts, cycles refused."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from ca3cli.core import plan, registry, render, template_values
from ca3cli.core.errors import Ca3Error
from ca3cli.core.registry import Component, Wait
from ca3cli.core.settings import Settings


def component(name: str, *depends_on: str, wait_s: int = 0) -> Component:
    return Component(name, name, (), depends_on=depends_on, wait_s=wait_s)


def names(layers: list[list[Component]]) -> list[list[str]]:
    return [[c.name for c in layer] for layer in layers]


def test_layers_follow_depends_on_and_keep_registry_order_within_a_layer() -> None:
    parts = [component("app", "db", "queue"), component("queue", "ns"), component("ns"), component("db", "ns")]
    assert names(plan.layers(parts, known={"app", "queue", "ns", "db"})) == [["ns"], ["queue", "db"], ["app"]]


def test_a_cycle_is_refused_naming_the_components() -> None:
    parts = [component("ns"), component("a", "ns", "b"), component("b", "a")]
    with pytest.raises(Ca3Error, match="dependency cycle among: a, b"):
        plan.layers(parts, known={"ns", "a", "b"})


def test_an_unknown_dependency_is_a_registry_bug() -> None:
    with pytest.raises(Ca3Error, match="depends on unknown typo"):
        plan.layers([component("a", "typo")], known={"a"})


def test_a_known_but_unselected_dependency_does_not_block() -> None:
    assert names(plan.layers([component("grafana", "prometheus")], known={"grafana", "prometheus"})) == [["grafana"]]


def test_every_workload_and_job_a_component_renders_is_waited_on_under_its_rendered_name() -> None:
    job = {"kind": "Job", "metadata": {"name": "kafka-topic-create-90f4eb97f6"}}
    config = {"kind": "ConfigMap", "metadata": {"name": "kafka-topic-create"}}
    kafka = {"kind": "StatefulSet", "metadata": {"name": "kafka"}}
    manifest = render.Manifest("kafka", PurePosixPath("kafka/all.yaml"), "", (config, kafka, job))
    assert plan.waits_of(component("kafka", wait_s=600), [manifest]) == [
        Wait("statefulset/kafka", 600), Wait("job/kafka-topic-create-90f4eb97f6", 600)]
    assert plan.waits_of(component("kafka"), [manifest]) == []  # wait_s 0: nothing waited on


def test_the_milestone_one_plan_waits_for_the_topic_job_under_its_rendered_name() -> None:
    settings = Settings()
    manifests = render.render(settings, template_values.placeholders(), 1)
    built = plan.build(1, registry.components_for(1, settings), manifests)
    [job] = [ref.name for ref in built.objects if ref.kind == "Job"]
    assert f"job/{job}" in [wait.resource for phase in built.phases for wait in phase.waits]


def test_milestone_one_plan_puts_every_object_after_what_it_needs() -> None:
    settings = Settings()
    manifests = render.render(settings, template_values.placeholders(), 1)
    built = plan.build(1, registry.components_for(1, settings), manifests)
    first_phase = {c: phase.number for phase in built.phases for c in phase.components}
    later = {c.name for c in registry.COMPONENTS.values()} - set(first_phase)  # e.g. tls, from milestone 7
    for component_ in registry.components_for(1, settings):
        for dependency in (d for d in component_.depends_on if d not in later):
            assert first_phase[dependency] < first_phase[component_.name], component_.name
    assert built.phases[0].objects[0].kind == "Namespace"
    assert len(built.objects) == sum(len(m.documents) for m in manifests)  # nothing lost, nothing doubled


def test_describe_lists_files_objects_and_waits() -> None:
    manifest = render.Manifest("kafka", PurePosixPath("kafka/kafka-service.yaml"), "",
                               ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kafka-service"}},))
    kafka = render.Manifest("kafka", PurePosixPath("kafka/kafka-statefulset.yaml"), "",
                            ({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "kafka"}},))
    built = plan.build(1, [component("kafka", wait_s=60)], [manifest, kafka])
    assert plan.describe(built) == [
        "Milestone 1: 1 phases, 2 objects",
        "Phase 1: kafka",
        "  apply kafka/kafka-service.yaml: Service/kafka-service",
        "  apply kafka/kafka-statefulset.yaml: StatefulSet/kafka",
        "  wait  statefulset/kafka until Current, at most 60s",
    ]


def test_components_with_nothing_to_apply_or_wait_for_make_no_phase() -> None:
    later = render.Manifest("later", PurePosixPath("later/x.yaml"), "",
                            ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}},))
    built = plan.build(2, [component("empty", wait_s=30), component("later", "empty", wait_s=30)], [later])
    assert [phase.components for phase in built.phases] == [("later",)]
    assert built.phases[0].number == 1
