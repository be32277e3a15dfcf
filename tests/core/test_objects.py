"""ca3cli/core/objects.py: one object type whose identity is API version, kind, name and namespace."""

from __future__ import annotations

from ca3cli.core import render, template_values
from ca3cli.core.objects import MANAGED_BY, MANAGER, KubeObject
from ca3cli.core.settings import Observability, Settings
from tests.fixtures.kubectl import fixture_json


def test_a_rendered_object_and_the_live_one_are_the_same_object() -> None:
    live = fixture_json("recorded/get-statefulset-kafka.json")
    rendered = {"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "kafka", "namespace": "conveyor-pipeline"}}
    assert KubeObject.of(live) == KubeObject.of(rendered, "k8s/kafka/kafka-statefulset.yaml")
    assert len({KubeObject.of(live), KubeObject.of(rendered)}) == 1
    assert KubeObject.of(live).labels["app.kubernetes.io/name"] == "kafka"


def test_another_group_or_namespace_is_another_object() -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "a"}}
    assert KubeObject.of(doc) != KubeObject.of({**doc, "metadata": {"name": "x", "namespace": "b"}})
    assert KubeObject.of(doc) != KubeObject.of({**doc, "apiVersion": "example.com/v1"})


def test_names_as_kubectl_lint_and_messages_write_them() -> None:
    deployment = KubeObject.of({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "producer"}},
                               "k8s/producer/producer-deployment.yaml")
    config = KubeObject.of({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "loki-config"}})
    assert (deployment.kubectl_name, config.kubectl_name) == ("deployment.apps/producer", "configmap/loki-config")
    assert deployment.where == "k8s/producer/producer-deployment.yaml Deployment/producer"
    assert (str(config), config.where, config.group) == ("ConfigMap/loki-config", "ConfigMap/loki-config", "")


def test_every_rendered_object_carries_the_label_prune_preflight_and_validate_select_on() -> None:
    settings = Settings().model_copy(update={"observability": Observability(image_renderer=True)})
    for manifest in render.render(settings, template_values.placeholders(), 9):
        for doc in manifest.documents:
            assert KubeObject.of(doc).labels.get(MANAGED_BY) == MANAGER, f"{manifest.path}: {KubeObject.of(doc)}"
