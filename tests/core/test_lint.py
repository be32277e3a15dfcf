"""Lint: every implemented milestone passes; each rule catches the mistake it exists for."""

from __future__ import annotations

import pytest

from ca3cli.core import lint, registry, render, settings, template_values
from ca3cli.core.lint import crossref, policy, schema
from ca3cli.core.objects import KubeObject
from tests.core.conftest import find, rendered

# A milestone counts as implemented once the registry lists components for it or a later one.
IMPLEMENTED = range(1, max(n for n, m in registry.MILESTONES.items() if m.components) + 1)


@pytest.mark.parametrize("milestone", IMPLEMENTED)
def test_every_implemented_milestone_passes_lint_at_both_versions(milestone: int) -> None:
    findings = lint.run(rendered(milestone), versions=("1.30", "1.37"))
    assert [str(f) for f in findings] == []


def _rules(findings: list[lint.Finding]) -> set[str]:
    return {f.rule for f in findings}


def _drop(objs: list[KubeObject], kind: str, name: str) -> list[KubeObject]:
    return [o for o in objs if not (o.kind == kind and o.name == name)]


def _container(objs: list[KubeObject], kind: str, name: str) -> dict:
    return find(objs, kind, name)["spec"]["template"]["spec"]["containers"][0]


def test_schema_rejects_an_unknown_field_at_both_versions(baseline: list[KubeObject]) -> None:
    _container(baseline, "Deployment", "producer")["imagePullPolicyy"] = "Always"
    findings = schema.validate(baseline)
    assert _rules(findings) == {"schema-1.30", "schema-1.37"}
    assert "imagePullPolicyy" in findings[0].message


def test_schema_rejects_an_api_version_that_was_removed(baseline: list[KubeObject]) -> None:
    find(baseline, "HorizontalPodAutoscaler", "producer")["apiVersion"] = "autoscaling/v2beta2"
    findings = schema.validate(baseline)
    assert {f.where for f in findings} == {"k8s/producer/producer-hpa.yaml HorizontalPodAutoscaler/producer"}


def test_service_selecting_no_pod_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "Service", "kafka-service")["spec"]["selector"] = {"app.kubernetes.io/name": "kafak"}
    assert "selector" in _rules(crossref.selectors_match_pods(baseline))


def test_workload_selector_not_matching_its_template_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "Deployment", "processor")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "other"
    findings = crossref.selectors_match_pods(baseline)
    assert any("Deployment/processor" in f.where for f in findings)


def test_statefulset_pointing_at_a_normal_service_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "StatefulSet", "kafka")["spec"]["serviceName"] = "kafka-service"
    assert _rules(crossref.statefulset_service_is_headless(baseline)) == {"headless-service"}


def test_service_target_port_missing_from_pods_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "Service", "producer-service")["spec"]["ports"][0]["targetPort"] = "http-typo"
    findings = crossref.ports_exist(baseline)
    assert [f.where for f in findings] == ["k8s/producer/producer-service.yaml Service/producer-service"]


def test_probe_on_an_undeclared_port_is_found(baseline: list[KubeObject]) -> None:
    _container(baseline, "StatefulSet", "influxdb")["readinessProbe"]["httpGet"]["port"] = "web"
    assert "port" in _rules(crossref.ports_exist(baseline))


def test_missing_configmap_and_missing_key_are_found(baseline: list[KubeObject]) -> None:
    job = next(o.doc for o in baseline if o.kind == "Job")  # its name carries a hash of its spec
    job_volumes = job["spec"]["template"]["spec"]["volumes"]
    job_volumes[0]["configMap"]["items"] = [{"key": "no-such-script.sh", "path": "x.sh"}]
    influx_volumes = find(baseline, "StatefulSet", "influxdb")["spec"]["template"]["spec"]["volumes"]
    next(v for v in influx_volumes if "configMap" in v)["configMap"]["name"] = "influxdb-init-typo"
    messages = [f.message for f in crossref.configmaps_exist(baseline)]
    assert any("no-such-script.sh" in m for m in messages) and any("influxdb-init-typo" in m for m in messages)


def test_missing_secret_and_missing_key_are_found(baseline: list[KubeObject]) -> None:
    objs = _drop(baseline, "Secret", "kafka-cluster")
    env = _container(objs, "StatefulSet", "influxdb")["env"]
    from_secret = next(e for e in env if "valueFrom" in e and "secretKeyRef" in e["valueFrom"])
    from_secret["valueFrom"]["secretKeyRef"]["key"] = "admin-usernme"
    messages = [f.message for f in crossref.secrets_exist(objs)]
    assert any("'kafka-cluster'" in m for m in messages) and any("admin-usernme" in m for m in messages)


def test_runtime_secret_keys_count_only_when_declared(baseline: list[KubeObject]) -> None:
    assert crossref.secrets_exist(baseline) == []
    del find(baseline, "Secret", "influxdb-auth")["metadata"]["annotations"][crossref.RUNTIME_KEYS_ANNOTATION]
    assert any("processor-token" in f.message for f in crossref.secrets_exist(baseline))


def test_missing_service_account_is_found(baseline: list[KubeObject]) -> None:
    objs = _drop(_drop(baseline, "ServiceAccount", "producer"), "ServiceAccount", "influxdb")
    wheres = {f.where for f in crossref.service_accounts_exist(objs)}
    assert "k8s/producer/producer-deployment.yaml Deployment/producer" in wheres
    assert "k8s/influxdb/influxdb-rbac.yaml RoleBinding/influxdb-token-writer" in wheres


def test_hpa_target_without_cpu_request_is_found(baseline: list[KubeObject]) -> None:
    del _container(baseline, "Deployment", "producer")["resources"]["requests"]["cpu"]
    assert "requests no CPU" in crossref.hpa_targets_request_cpu(baseline)[0].message


def test_hpa_target_that_does_not_exist_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "HorizontalPodAutoscaler", "producer")["spec"]["scaleTargetRef"]["name"] = "producers"
    assert "Deployment/producers" in crossref.hpa_targets_request_cpu(baseline)[0].message


@pytest.mark.parametrize("image", ["apache/kafka:latest", "apache/kafka", "localhost:5000/kafka"])
def test_unpinned_image_is_found(baseline: list[KubeObject], image: str) -> None:
    _container(baseline, "StatefulSet", "kafka")["image"] = image
    assert [f.where for f in policy.images_pinned(baseline)] == ["k8s/kafka/kafka-statefulset.yaml StatefulSet/kafka"]


def test_image_pinned_by_digest_or_registry_port_and_tag_passes(baseline: list[KubeObject]) -> None:
    _container(baseline, "StatefulSet", "kafka")["image"] = "localhost:5000/kafka:4.3.1"
    _container(baseline, "StatefulSet", "influxdb")["image"] = "influxdb@sha256:" + "a" * 64
    assert policy.images_pinned(baseline) == []


def test_object_in_another_namespace_is_found(baseline: list[KubeObject]) -> None:
    find(baseline, "ConfigMap", "influxdb-init")["metadata"]["namespace"] = "default"
    findings = policy.one_namespace(baseline)
    assert [f.where for f in findings] == ["k8s/influxdb/influxdb-init-configmap.yaml ConfigMap/influxdb-init"]


def test_pod_with_only_the_default_deny_policy_is_found(baseline: list[KubeObject]) -> None:
    objs = _drop(baseline, "NetworkPolicy", "producer")
    findings = policy.pods_covered_by_network_policy(objs)
    assert [f.where for f in findings] == ["k8s/producer/producer-deployment.yaml Deployment/producer"]


def test_long_running_container_without_probes_is_found(baseline: list[KubeObject]) -> None:
    del _container(baseline, "Deployment", "processor")["readinessProbe"]
    findings = policy.probes_on_long_running(baseline)
    assert len(findings) == 1 and "readinessProbe" in findings[0].message


def test_lint_run_applies_the_rules_after_the_schema(baseline: list[KubeObject]) -> None:
    del _container(baseline, "Deployment", "processor")["livenessProbe"]
    assert "probe" in _rules(lint.run(baseline, versions=("1.37",)))


def test_three_brokers_with_a_storage_class_pass_lint_and_form_one_quorum() -> None:
    chosen = settings.parse({"kafka": {"replicas": 3}, "cluster": {"storage_class": "fast"}})
    objs = lint.objects(render.render(chosen, template_values.placeholders(), 1))
    assert lint.run(objs) == []
    env = {e["name"]: e.get("value") for e in _container(objs, "StatefulSet", "kafka")["env"]}
    assert len(env["KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS"].split(",")) == 3
    assert (env["KAFKA_DEFAULT_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    claim = find(objs, "StatefulSet", "kafka")["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["storageClassName"] == "fast"
