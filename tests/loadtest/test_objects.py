"""The load test's objects: rendered Job, NetworkPolicy and both HPAs pass `ca3 lint`; the policy opens one edge."""

from __future__ import annotations

import re

import pytest

from ca3cli.core import lint, render, template_values
from ca3cli.core.errors import ConfigError
from ca3cli.core.lint import schema
from ca3cli.core.objects import KubeObject
from ca3cli.core.settings import Settings, parse
from ca3cli.operations.loadtest import objects
from ca3cli.operations.loadtest.model import Request

REQUEST = Request(rate=1500, duration_s=120, ramp_s=20, timeout_s=600, interval_s=5, baseline_s=30)


def _milestone_6(settings: Settings) -> list[KubeObject]:
    return lint.objects(render.render(settings, template_values.placeholders(), 6))


def test_the_job_its_policy_and_both_hpas_pass_lint_beside_milestone_6_at_both_versions() -> None:
    settings = Settings()
    load = [KubeObject.of(o, f"(load-test) {o['kind']}") for o in objects.load_objects(settings, REQUEST)]
    everything = _milestone_6(settings) + load
    assert {o.kind for o in load} == {"Job", "NetworkPolicy"}
    assert [o.name for o in everything if o.kind == "HorizontalPodAutoscaler"] == ["producer", "processor"]
    assert [str(f) for f in lint.run(everything, versions=("1.30", "1.37"))] == []


def test_the_job_runs_the_load_generator_from_the_producer_image_at_the_producer_service() -> None:
    job, _ = objects.load_objects(Settings(), REQUEST)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == Settings().image("producer")
    assert container["command"] == ["python", "-m", "producer.loadgen"]
    assert container["args"] == ["--target", "http://producer-service:8000", "--rate", "1500", "--duration", "120",
                                 "--ramp", "20"]
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["activeDeadlineSeconds"] == 20 + 120 + 120


def test_the_policy_lets_exactly_the_load_generator_reach_exactly_the_producer_ingest_port() -> None:
    job, policy = objects.load_objects(Settings(), REQUEST)
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= job_labels.items() and selector["app.kubernetes.io/name"] == "load-generator"
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in policy["spec"]
    (rule,) = policy["spec"]["egress"]
    assert rule["to"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "producer"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": "metrics"}]  # the producer container's port 8000


def test_the_processor_hpa_reaches_up_to_the_partition_count_unless_a_lower_maximum_is_set() -> None:
    def processor_hpa(raw: dict) -> dict:
        return next(o.doc for o in _milestone_6(parse(raw)) if o.kind == "HorizontalPodAutoscaler"
                    and o.name == "processor")

    assert processor_hpa({"kafka": {"partitions": 8}})["spec"]["maxReplicas"] == 8
    limited = processor_hpa({"autoscaling": {"processor_max_replicas": 2, "scale_down_window_s": 30}})
    assert limited["spec"]["maxReplicas"] == 2
    assert limited["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 30


def test_from_milestone_6_the_processor_deployment_leaves_its_replica_count_to_the_hpa() -> None:
    def processor(milestone: int) -> dict:
        objs = lint.objects(render.render(Settings(), template_values.placeholders(), milestone))
        return next(o.doc for o in objs if o.kind == "Deployment" and o.name == "processor")

    assert processor(5)["spec"]["replicas"] == 1
    assert "replicas" not in processor(6)["spec"]


def test_hpa_names_come_from_the_rendered_manifests() -> None:
    assert objects.hpa_names(Settings()) == ("producer", "processor")


KEDA = {"autoscaling": {"processor": "keda", "processor_lag_threshold": 200}}


def test_in_keda_mode_a_scaled_object_replaces_the_processor_hpa_and_passes_lint_with_its_schema() -> None:
    objs = _milestone_6(parse(KEDA))
    (scaled,) = [o for o in objs if o.kind == "ScaledObject"]
    assert [o.name for o in objs if o.kind == "HorizontalPodAutoscaler"] == ["producer"]
    (trigger,) = scaled.doc["spec"]["triggers"]
    assert trigger["type"] == "kafka" and trigger["metadata"] == {
        "bootstrapServers": "kafka-service.conveyor-pipeline.svc:9092", "consumerGroup": "processor",
        "topic": "conveyor-speed", "lagThreshold": "200", "offsetResetPolicy": "latest"}
    assert [str(f) for f in lint.run(objs, versions=("1.30", "1.37"))] == []
    assert objects.hpa_names(parse(KEDA)) == ("producer", "processor")  # KEDA's HPA, named in the ScaledObject


def test_the_scaled_object_schema_rejects_a_misspelt_field_at_both_versions() -> None:
    objs = _milestone_6(parse(KEDA))
    scaled = next(o for o in objs if o.kind == "ScaledObject")
    scaled.doc["spec"]["minReplicas"] = 1
    findings = schema.validate([scaled])
    assert [f.rule for f in findings] == ["schema-1.30", "schema-1.37"]
    assert "minReplicas" in findings[0].message


def test_only_in_keda_mode_may_the_keda_namespace_reach_kafka() -> None:
    def kafka_peers(raw: dict) -> list[dict]:
        policy = next(o.doc for o in _milestone_6(parse(raw)) if o.kind == "NetworkPolicy" and o.name == "kafka")
        return policy["spec"]["ingress"][0]["from"]

    keda_peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}}}
    assert keda_peer in kafka_peers(KEDA)
    assert not any("namespaceSelector" in peer for peer in kafka_peers({}))


@pytest.mark.parametrize(("raw", "named"), [
    ({"autoscaling": {"processor_max_replicas": 7}}, "autoscaling.processor_max_replicas"),
    ({"autoscaling": {"processor_min_replicas": 0}}, "autoscaling.processor_min_replicas"),
    ({"autoscaling": {"scale_down_window_s": 4000}}, "`autoscaling.scale_down_window_s`"),
    ({"autoscaling": {"processor": "hpa"}}, "must be one of cpu or keda"),
])
def test_autoscaling_settings_outside_their_bounds_are_refused_naming_the_key(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)):
        parse(raw)
