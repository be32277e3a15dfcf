"""The rendered TLS configuration: every client names the CA and none skips verification, no plaintext listener
in milestone 8, the broker configuration read as Kafka properties is consistent for 1 and 3 brokers."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ca3cli.core import lint
from ca3cli.core.lint import tls as tls_rules
from ca3cli.core.objects import KubeObject
from tests.tls.helpers import container, docs, env, issued, rendered, settings_with

CA_FILE = "/var/run/secrets/ca3/ca/ca.crt"


def broker(replicas: int, client_auth: str = "none", milestone: int = 8) -> dict[str, str]:
    statefulset = docs(rendered(settings_with(replicas, client_auth), milestone), "StatefulSet")["kafka"]
    return tls_rules.broker_properties(env(statefulset))


@pytest.mark.parametrize("replicas", [1, 3])
def test_milestone_8_broker_properties_are_tls_only_and_consistent(replicas: int) -> None:
    props = broker(replicas)
    assert props["listeners"] == "CLIENT://:9093,INTERNAL://:9094,CONTROLLER://:9095"
    assert props["listener.security.protocol.map"] == "CLIENT:SSL,INTERNAL:SSL,CONTROLLER:SSL"
    assert props["inter.broker.listener.name"] == "INTERNAL"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["ssl.keystore.type"] == "PEM" and props["ssl.truststore.type"] == "PEM"
    assert props["ssl.endpoint.identification.algorithm"] == "https"
    assert props["listener.name.internal.ssl.client.auth"] == "required"
    assert props["listener.name.controller.ssl.client.auth"] == "required"
    assert len(props["controller.quorum.bootstrap.servers"].split(",")) == replicas
    assert "9092" not in props["listeners"] + props["advertised.listeners"]
    assert "PLAINTEXT" not in " ".join(props.values())
    assert tls_rules.listener_problems(props) == []


def test_before_milestone_8_kafka_stays_plaintext_on_9092_and_consistent() -> None:
    props = broker(3, milestone=7)
    assert props["listener.security.protocol.map"] == "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert "ssl.keystore.type" not in props and tls_rules.listener_problems(props) == []


def test_the_property_names_follow_the_kafka_images_conversion() -> None:
    assert tls_rules.env_key("KAFKA_LISTENER_NAME_CLIENT_SSL_CLIENT_AUTH") == "listener.name.client.ssl.client.auth"
    assert tls_rules.env_key("KAFKA_SOME__UNDERSCORE___DASH") == "some_underscore-dash"


@pytest.mark.parametrize("broken, problem", [
    ({"listener.security.protocol.map": "CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:SSL"}, "TLS must cover"),
    ({"inter.broker.listener.name": "CONTROLLER"}, "inter-broker listener CONTROLLER"),
    ({"controller.listener.names": "QUORUM"}, "controller listener QUORUM"),
    ({"listener.security.protocol.map": "CLIENT:SSL,INTERNAL:SSL"}, "listener CONTROLLER has no security protocol"),
    ({"advertised.listeners": "EXTERNAL://kafka-0:9096"}, "advertised listener EXTERNAL"),
])
def test_listener_problems_are_found(broken: dict[str, str], problem: str) -> None:
    assert any(problem in found for found in tls_rules.listener_problems(broker(1) | broken))


def every_client_container(manifests) -> dict[str, dict]:
    return {f"{kind}/{name}": container(doc) for kind in ("Deployment", "StatefulSet", "Job")
            for name, doc in docs(manifests, kind).items()}


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_every_kafka_and_influxdb_client_names_the_ca_and_uses_tls_in_milestone_8(tmp_path: Path,
                                                                                   client_auth: str) -> None:
    settings = settings_with(3, client_auth)
    manifests = rendered(settings, 8, issued(tmp_path, settings))
    deployments = docs(manifests, "Deployment")
    mutual = client_auth == "required"
    for app in ("producer", "processor"):
        app_env = env(deployments[app])
        assert app_env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka-service:9093"
        assert app_env["KAFKA_SECURITY_PROTOCOL"] == "SSL" and app_env["KAFKA_SSL_CAFILE"] == CA_FILE
        assert ("KAFKA_SSL_CERTFILE" in app_env) is mutual and ("KAFKA_SSL_KEYFILE" in app_env) is mutual
    processor = env(deployments["processor"])
    assert processor["INFLUXDB_URL"] == "https://influxdb-service:8086" and processor["INFLUXDB_CA_FILE"] == CA_FILE
    exporter = container(deployments["kafka-exporter"])["args"]
    assert {"--kafka.server=kafka-service:9093", "--tls.enabled", f"--tls.ca-file={CA_FILE}"} <= set(exporter)
    assert any(a.startswith("--tls.cert-file=") for a in exporter) is mutual
    topic = docs(manifests, "ConfigMap")["kafka-topic-create"]["data"]
    assert 'BOOTSTRAP="kafka-service:9093"' in topic["create-topics.sh"]
    assert "--command-config /scripts/client.properties" in topic["create-topics.sh"]
    assert f"ssl.truststore.location={CA_FILE}" in topic["client.properties"]
    assert ("ssl.keystore.location=" in topic["client.properties"]) is mutual
    assert broker(3, client_auth)["listener.name.client.ssl.client.auth"] == ("required" if mutual else "none")
    assert lint.run(lint.objects(manifests)) == []


def test_every_reader_of_a_certificate_mounts_what_it_names(tmp_path: Path) -> None:
    settings = settings_with(1, "required")
    manifests = rendered(settings, 8, issued(tmp_path, settings))
    for name, spec in every_client_container(manifests).items():
        mounted = [m["mountPath"] for m in spec.get("volumeMounts", [])]
        named = [v for v in [*(e.get("value", "") for e in spec.get("env", [])), *spec.get("args", [])]
                 if "/var/run/secrets/ca3/" in v]
        for path in named:
            file = path.split("=", 1)[-1]
            assert any(file.startswith(folder + "/") for folder in mounted), f"{name} names {file} unmounted"


def test_influxdb_serves_https_only_from_milestone_7_with_https_probes(tmp_path: Path) -> None:
    settings = settings_with()
    influx = docs(rendered(settings, 7, issued(tmp_path, settings)), "StatefulSet")["influxdb"]
    influx_env = env(influx)
    assert influx_env["INFLUXD_TLS_CERT"].endswith("/tls.crt") and influx_env["INFLUXD_TLS_KEY"].endswith("/tls.key")
    assert influx_env["INFLUXD_TLS_MIN_VERSION"] == "1.2"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container(influx)[probe]["httpGet"]["scheme"] == "HTTPS"
    volumes = {v["name"]: v for v in influx["spec"]["template"]["spec"]["volumes"]}
    assert volumes["influxdb-tls"]["secret"]["secretName"] == "influxdb-tls"
    assert "INFLUXD_TLS_CERT" not in env(docs(rendered(settings, 6), "StatefulSet")["influxdb"])


def test_tls_objects_are_typed_secrets_and_a_public_ca_configmap(tmp_path: Path) -> None:
    settings = settings_with(1, "required")
    folder = issued(tmp_path, settings)
    manifests = rendered(settings, 8, folder)
    tls = [m for m in manifests if m.component == "tls"]
    assert {str(m.path) for m in tls} == {"tls/ca3-ca-configmap.yaml", "tls/influxdb-tls-secret.yaml",
                                         "tls/kafka-tls-secret.yaml", "tls/kafka-client-tls-secret.yaml"}
    secrets = docs(manifests, "Secret")
    for name in ("influxdb-tls", "kafka-tls", "kafka-client-tls"):
        assert secrets[name]["type"] == "kubernetes.io/tls"
        assert {"tls.crt", "tls.key", "ca.crt"} <= set(secrets[name]["stringData"])
    kafka = secrets["kafka-tls"]["stringData"]
    assert kafka["keystore.pem"] == kafka["tls.key"] + kafka["tls.crt"]
    assert kafka["tls.crt"] == (folder / "kafka.crt").read_text()
    configmap = docs(manifests, "ConfigMap")["ca3-ca"]
    assert configmap["data"] == {"ca.crt": (folder / "ca.crt").read_text()}
    assert [str(m.path) for m in rendered(settings, 7, folder) if m.component == "tls"] == [
        "tls/ca3-ca-configmap.yaml", "tls/influxdb-tls-secret.yaml"]


@pytest.mark.parametrize("mutate, rule", [
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["args"].append("--tls.insecure-skip-tls-verify"),
     "tls-verify"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["args"].remove(f"--tls.ca-file={CA_FILE}"),
     "tls-ca"),
])
def test_lint_refuses_a_kafka_exporter_that_skips_or_lacks_verification(mutate, rule) -> None:
    objs = lint.objects(rendered(settings_with(), 8))
    exporter = next(o for o in objs if o.kind == "Deployment" and o.name == "kafka-exporter")
    broken = copy.deepcopy(exporter.doc)
    mutate(broken)
    obj = KubeObject.of(broken, path="x")
    found = tls_rules.tls_never_skips_verification([obj]) + tls_rules.tls_clients_name_the_ca([obj])
    assert [f.rule for f in found] == [rule]
    assert tls_rules.tls_never_skips_verification([exporter]) + tls_rules.tls_clients_name_the_ca([exporter]) == []


@pytest.mark.parametrize("text", [
    "      tlsSkipVerify: true\n", "insecureSkipVerify: true", "ssl.endpoint.identification.algorithm=\n",
    "curl -k https://influxdb-service:8086/health", "verify_ssl=False", "ssl_check_hostname=False",
])
def test_lint_refuses_every_form_of_skipped_verification_in_a_configmap(text: str) -> None:
    configmap = KubeObject.of(path="x", doc={"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"client": text}})
    assert [f.rule for f in tls_rules.tls_never_skips_verification([configmap])] == ["tls-verify"]


def test_lint_refuses_https_clients_without_a_ca() -> None:
    variables = [{"name": "INFLUXDB_URL", "value": "https://influxdb-service:8086"},
                 {"name": "KAFKA_SECURITY_PROTOCOL", "value": "SSL"}]
    pod = {"containers": [{"name": "p", "env": variables}]}
    processor = KubeObject.of(path="x", doc={"kind": "Deployment", "metadata": {"name": "p"},
                                             "spec": {"template": {"spec": pod}}})
    datasource = KubeObject.of(path="y", doc={"kind": "ConfigMap", "metadata": {"name": "d"}, "data": {
        "datasources.yaml": "datasources:\n  - name: InfluxDB\n    url: https://influxdb-service:8086\n"}})
    found = tls_rules.tls_clients_name_the_ca([processor, datasource])
    assert len(found) == 3 and {f.rule for f in found} == {"tls-ca"}


def test_every_rendered_milestone_passes_the_tls_rules() -> None:
    for settings in (settings_with(1), settings_with(3, "required"), settings_with(1, min_version="1.3")):
        for milestone in range(1, 10):
            objs = lint.objects(rendered(settings, milestone))
            assert (tls_rules.tls_never_skips_verification(objs) + tls_rules.tls_clients_name_the_ca(objs)
                    + tls_rules.kafka_listeners_consistent(objs)) == []


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_the_broker_pod_holds_the_tls_client_config_validate_runs_kafka_tools_with(tmp_path: Path,
                                                                                   client_auth: str) -> None:
    from ca3cli.operations.validate.pipeline import KAFKA_CLIENT_TLS

    settings = settings_with(1, client_auth)
    manifests = rendered(settings, 8, issued(tmp_path, settings))
    kafka = docs(manifests, "StatefulSet")["kafka"]
    folder, file = KAFKA_CLIENT_TLS.rsplit("/", 1)
    [mount] = [m for m in container(kafka)["volumeMounts"] if m["mountPath"] == folder]
    volumes = {v["name"]: v for v in kafka["spec"]["template"]["spec"]["volumes"]}
    properties = docs(manifests, "ConfigMap")[volumes[mount["name"]]["configMap"]["name"]]["data"][file]
    assert "security.protocol=SSL" in properties and "ssl.endpoint.identification.algorithm=https" in properties
    for path in (line.split("=", 1)[1] for line in properties.splitlines() if line.endswith((".crt", ".pem"))):
        assert any(path.startswith(m["mountPath"] + "/") for m in container(kafka)["volumeMounts"]), path
