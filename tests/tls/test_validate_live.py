"""`ca3 validate -m 8`'s TLS checks against a deployment made by ca3: the stand-in kubectl answers with the objects
ca3 renders (its Secrets as the API returns them) and port-forwards to local TLS servers presenting the
certificates `ca3 certs` issued; every TLS check passes, and a server certificate from another CA fails."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import Any

import pytest

from ca3cli.edges.kube import Kubectl
from ca3cli.operations.certs import store
from ca3cli.operations.validate import catalogue, runner
from ca3cli.operations.validate.model import Status
from ca3cli.operations.validate.probe import Probe
from tests.fixtures.kubectl import KubectlStub
from tests.tls.helpers import docs, issued, rendered, settings_with
from tests.validate.recorded_api import serve

CHECKS = ["m7.influxdb-tls-secret", "m7.influxdb-mounts-tls", "m7.influxdb-tls-handshake", "m7.processor-https",
          "m8.kafka-tls-secret", "m8.kafka-tls-handshake", "m8.kafka-tls-config", "m8.clients-tls"]


def as_api(secret: dict[str, Any]) -> dict[str, Any]:
    """A rendered Secret as `kubectl get secret -o json` returns it: stringData merged into base64 data."""
    data = {key: base64.b64encode(value.encode()).decode() for key, value in secret.pop("stringData").items()}
    return {**secret, "data": data}


def listed(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": list(objects.values())}


def server_context(folder: Path, name: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(store.cert_path(folder, name), store.key_path(folder, name))
    return context


def answer(stub: KubectlStub, manifests: list[Any]) -> None:
    for name, secret in docs(manifests, "Secret").items():
        stub.on("get", "secret", name, stdout=as_api(secret))
    configmaps = docs(manifests, "ConfigMap")
    stub.on("get", "configmap", "ca3-ca", stdout=configmaps["ca3-ca"])
    stub.on("get", "configmaps", stdout=listed(configmaps))
    stub.on("get", "statefulsets", stdout=listed(docs(manifests, "StatefulSet")))
    stub.on("get", "deployments", stdout=listed(docs(manifests, "Deployment")))


@pytest.mark.parametrize("replicas", [1, 3])
def test_a_ca3_deployment_of_milestone_8_passes_every_tls_check(tmp_path: Path, kubectl_stub: KubectlStub,
                                                                replicas: int) -> None:
    settings = settings_with(replicas)
    folder = issued(tmp_path, settings)
    manifests = rendered(settings, 8, folder)
    with serve({}, tls=server_context(folder, "influxdb")) as influx, \
            serve({}, tls=server_context(folder, "kafka")) as kafka:
        answer(kubectl_stub, manifests)
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        kubectl_stub.on("port-forward", "svc/kafka-service", forward_to=kafka.port)
        probe = Probe(Kubectl(namespace=settings.namespace), settings, 8)
        try:
            results = {r.id: (r.status, r.evidence) for r in runner.run([catalogue.CHECKS[i] for i in CHECKS], probe)}
        finally:
            probe.close()
    assert {i: s for i, (s, _) in results.items()} == dict.fromkeys(CHECKS, Status.PASS), results
    assert f"kafka-{replicas - 1}.kafka-headless.{settings.namespace}.svc" in results["m8.kafka-tls-secret"][1]
    assert "certificate verified for kafka-service." in results["m8.kafka-tls-handshake"][1]


def test_servers_presenting_another_cas_certificates_fail_the_handshakes(tmp_path: Path,
                                                                         kubectl_stub: KubectlStub) -> None:
    settings = settings_with()
    folder, impostor = issued(tmp_path / "ours", settings), issued(tmp_path / "theirs", settings)
    with serve({}, tls=server_context(impostor, "influxdb")) as influx, \
            serve({}, tls=server_context(impostor, "kafka")) as kafka:
        answer(kubectl_stub, rendered(settings, 8, folder))
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        kubectl_stub.on("port-forward", "svc/kafka-service", forward_to=kafka.port)
        probe = Probe(Kubectl(namespace=settings.namespace), settings, 8)
        try:
            ids = ["m7.influxdb-tls-handshake", "m8.kafka-tls-handshake"]
            results = runner.run([catalogue.CHECKS[i] for i in ids], probe)
        finally:
            probe.close()
    assert [(r.status, "CERTIFICATE_VERIFY_FAILED" in r.evidence) for r in results] == [(Status.FAIL, True)] * 2
