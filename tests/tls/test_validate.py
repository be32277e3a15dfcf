"""`ca3 validate`'s TLS decisions agree with what ca3 renders and issues: a deployment made by ca3 passes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ca3cli.operations.certs import store
from ca3cli.operations.validate import tls
from ca3cli.operations.validate.model import Status
from tests.tls.helpers import docs, env, issued, rendered, settings_with


@pytest.mark.parametrize("replicas", [1, 3])
def test_rendered_milestone_8_passes_the_listener_and_client_decisions(tmp_path: Path, replicas: int) -> None:
    settings = settings_with(replicas)
    manifests = rendered(settings, 8, issued(tmp_path, settings))
    broker = env(docs(manifests, "StatefulSet")["kafka"])
    assert tls.decide_listeners({"statefulset/kafka": broker}).status is Status.PASS
    apps = {f"deployment/{name}": env(docs(manifests, "Deployment")[name]) for name in ("producer", "processor")}
    assert tls.decide_kafka_clients(apps).status is Status.PASS
    assert tls.decide_influxdb_url({"deployment/processor": apps["deployment/processor"]}).status is Status.PASS
    milestone_7 = env(docs(rendered(settings, 7, tmp_path), "StatefulSet")["kafka"])
    assert tls.decide_listeners({"statefulset/kafka": milestone_7}).status is Status.FAIL


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_kafka_secret_ca3_issues_passes_the_secret_decision(tmp_path: Path, replicas: int) -> None:
    settings = settings_with(replicas)
    folder = issued(tmp_path, settings)
    names = [f"kafka-service.{settings.namespace}.svc"] + [
        f"kafka-{i}.kafka-headless.{settings.namespace}.svc" for i in range(replicas)]
    evidence = {"type": "kubernetes.io/tls", "keys": ["ca.crt", "tls.crt", "tls.key"],
                "cert": store.cert_path(folder, "kafka").read_text(), "ca": store.cert_path(folder, "ca").read_text(),
                "names": names, "now": dt.datetime.now(dt.UTC)}
    assert tls.decide_secret(evidence).status is Status.PASS
    too_many = {**evidence, "names": [*names, f"kafka-{replicas}.kafka-headless.{settings.namespace}.svc"]}
    assert tls.decide_secret(too_many).status is Status.FAIL
    other = issued(tmp_path / "other", settings)
    assert tls.decide_secret({**evidence, "ca": store.cert_path(other, "ca").read_text()}).status is Status.FAIL
