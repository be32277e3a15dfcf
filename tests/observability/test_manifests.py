"""The observability manifests: lint-clean, secrets only by reference, TLS verified, policies for exactly the edges."""

from __future__ import annotations

import pytest

from ca3cli.core import lint, settings, template_values
from ca3cli.core.errors import ConfigError
from tests.observability.helpers import config, objects, rendered

OWN_FOLDERS = ("grafana", "prometheus", "kafka-exporter", "logging")


@pytest.mark.parametrize("milestone", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_every_manifest_passes_lint(milestone, agent):
    findings = lint.run(lint.objects(rendered(milestone, agent).values()))
    assert [str(f) for f in findings] == []


@pytest.mark.parametrize("milestone", [7, 8])
def test_tls_milestones_lint_clean_apart_from_the_ca_the_tls_component_provides(milestone):
    findings = [str(f) for f in lint.run(lint.objects(rendered(milestone).values()))]
    assert [f for f in findings if "ConfigMap 'ca3-ca'" not in f] == []


def own_manifests(milestone: int, agent: str = "promtail"):
    return [m for m in rendered(milestone, agent).values() if m.path.parts[0] in OWN_FOLDERS]


@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_no_secret_value_appears_in_any_observability_manifest(agent):
    values = [v for v in template_values.placeholders().values() if len(v) >= 8]
    for manifest in own_manifests(8, agent):
        assert not manifest.is_secret
        assert not [v for v in values if v in manifest.text], manifest.path


def grafana_env(milestone: int) -> dict[str, dict]:
    container = objects(rendered(milestone), "Deployment")["grafana"]["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item for item in container["env"]}


def test_grafana_reads_its_admin_and_influxdb_token_from_secrets():
    env = grafana_env(1)
    assert env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "grafana-admin", "key": "admin-password"}
    assert env["INFLUXDB_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "influxdb-auth", "key": "grafana-token"}
    [influx] = config(rendered(1), "grafana-datasource-configmap.yaml", "datasources.yaml")["datasources"]
    assert influx["secureJsonData"] == {"token": "${INFLUXDB_TOKEN}"}
    assert influx["url"].startswith("http://influxdb-service:8086")


def test_from_milestone_7_grafana_verifies_influxdb_with_the_ca():
    [influx, *_] = config(rendered(7), "grafana-datasource-configmap.yaml", "datasources.yaml")["datasources"]
    assert influx["url"] == "https://influxdb-service:8086"
    assert influx["jsonData"]["tlsAuthWithCACert"] is True
    assert influx["secureJsonData"]["tlsCACert"] == "${CA3_CA_CERT}"
    assert grafana_env(7)["CA3_CA_CERT"]["valueFrom"]["configMapKeyRef"] == {"name": "ca3-ca", "key": "ca.crt"}


def test_tls_verification_is_never_switched_off():
    for manifest in own_manifests(8):
        assert "tlsSkipVerify" not in manifest.text and "insecure-skip" not in manifest.text, manifest.path


def test_datasources_follow_the_milestones():
    def uids(milestone):
        return [d["uid"] for d in config(rendered(milestone), "grafana-datasource-configmap.yaml",
                                         "datasources.yaml")["datasources"]]
    assert uids(1) == ["ca3-influxdb"]
    assert uids(2) == ["ca3-influxdb", "ca3-prometheus"]
    assert uids(5) == ["ca3-influxdb", "ca3-prometheus", "ca3-loki"]


def egress_ports(policy: dict) -> dict[str, set[int]]:
    """Egress rule -> ports, keyed by the pod names the rule targets ('*' for any destination)."""
    found: dict[str, set[int]] = {}
    for rule in policy["spec"].get("egress", []):
        names = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule.get("to", [])] or ["*"]
        for name in names:
            found.setdefault(name, set()).update(port["port"] for port in rule["ports"])
    return found


def test_prometheus_reaches_exactly_the_metrics_ports_and_the_api_server():
    policies = objects(rendered(3), "NetworkPolicy")
    assert egress_ports(policies["prometheus"]) == {
        "producer": {8000}, "processor": {8000}, "kafka-exporter": {9308}, "*": {443, 6443, 8443}}
    [ingress] = policies["processor-metrics"]["spec"]["ingress"]
    assert ingress["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]
    assert egress_ports(policies["grafana-to-prometheus"]) == {"prometheus": {9090}}


@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_loki_accepts_only_the_log_agent_and_grafana(agent):
    policies = objects(rendered(5, agent), "NetworkPolicy")
    [ingress] = policies["loki"]["spec"]["ingress"]
    sources = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in ingress["from"]}
    assert sources == {agent, "grafana"}
    assert egress_ports(policies[agent]) == {"loki": {3100}, "*": {443, 6443, 8443}}
    assert egress_ports(policies["grafana-to-loki"]) == {"loki": {3100}}


@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_the_log_agent_setting_chooses_one_daemonset(agent):
    daemonsets = objects(rendered(5, agent), "DaemonSet")
    assert set(daemonsets) == {agent}


def test_containers_are_hardened_and_only_promtail_runs_as_root():
    for name, workload in {**objects(rendered(5), "Deployment"), **objects(rendered(5), "DaemonSet")}.items():
        if workload["metadata"]["labels"]["app.kubernetes.io/component"] not in (
                "grafana", "prometheus", "kafka-exporter", "logging"):
            continue
        spec = workload["spec"]["template"]["spec"]
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["securityContext"].get("runAsNonRoot", False) is (name != "promtail"), name
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
            assert security["readOnlyRootFilesystem"] is True, name
            assert container["resources"]["limits"] and container["readinessProbe"], name


@pytest.mark.parametrize("milestone", [4, 5])
def test_the_image_renderer_is_lint_clean_and_wired_into_grafana_only_when_enabled(milestone):
    with_renderer = rendered(milestone, "promtail", True)
    assert [str(f) for f in lint.run(lint.objects(with_renderer.values()))] == []
    env = {e["name"]: e.get("value") for e in objects(with_renderer, "Deployment")["grafana"]["spec"]["template"][
        "spec"]["containers"][0]["env"]}
    assert env["GF_RENDERING_SERVER_URL"] == "http://grafana-image-renderer:8081/render"
    assert "grafana-image-renderer" not in objects(rendered(milestone), "Deployment")
    assert "GF_RENDERING_SERVER_URL" not in {e["name"] for e in grafana_env(milestone).values()}


def test_grafana_and_the_renderer_share_one_generated_token_from_one_secret_key():
    manifests = rendered(5, "promtail", True)
    secret = objects(manifests, "Secret")["grafana-admin"]
    assert secret["stringData"]["renderer-token"] == "placeholder-grafana-renderer-token"
    deployments = objects(manifests, "Deployment")

    def token_ref(name: str, variable: str) -> dict[str, str]:
        [env] = [e for e in deployments[name]["spec"]["template"]["spec"]["containers"][0]["env"]
                 if e["name"] == variable]
        return env["valueFrom"]["secretKeyRef"]

    grafana = token_ref("grafana", "GF_RENDERING_RENDERER_TOKEN")
    renderer = token_ref("grafana-image-renderer", "AUTH_TOKEN")
    assert grafana == renderer == {"name": "grafana-admin", "key": "renderer-token"}


@pytest.mark.parametrize(("agent", "role", "extra"), [
    ("promtail", "promtail-pod-discovery", set()), ("alloy", "alloy-pod-logs", {("pods/log", "get")})])
def test_discovery_rbac_is_namespaced_and_read_only(agent, role, extra):
    manifests = rendered(5, agent)
    assert objects(manifests, "ClusterRole") == {} and objects(manifests, "ClusterRoleBinding") == {}
    read_pods = {("pods", "get"), ("pods", "list"), ("pods", "watch")}
    roles = objects(manifests, "Role")
    for name, expected in (("prometheus-pod-discovery", read_pods), (role, read_pods | extra)):
        granted = {(r, v) for rule in roles[name]["rules"] for r in rule["resources"] for v in rule["verbs"]}
        assert granted == expected, name
    for name in ("prometheus", agent):
        assert objects(manifests, "ServiceAccount")[name]["automountServiceAccountToken"] is False


def test_a_bad_quantity_in_observability_resources_is_refused_before_rendering():
    with pytest.raises(ConfigError, match=r"observability\.loki_resources\.cpu_limit"):
        settings.parse({"observability": {"loki_resources": {"cpu_limit": "lots"}}})
