"""Data kept means tokens kept: `destroy` without --delete-data leaves InfluxDB's auth Secret with its volume (the
processor's and Grafana's tokens in it are made only by InfluxDB's first start) and says so; a redeploy applies the
Secret without touching those tokens.

The label selectors kubectl is given are evaluated here with Kubernetes' rules against every rendered object, so
the test shows what a real API server would delete, not only which words were passed.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ca3cli.core import registry, render, template_values
from ca3cli.core.objects import KEEP_REASON, KubeObject
from ca3cli.core.settings import Settings
from ca3cli.operations import prune
from tests.cluster.conftest import NAMESPACE, Project, Run
from tests.cluster.recorded import listed
from tests.fixtures.kubectl import KubectlStub, fixture

Ca3 = Callable[..., Run]
RUNTIME_TOKENS = ("processor-token", "grafana-token")


def matches(selector: str, labels: dict[str, str]) -> bool:
    """A label selector as the API server reads it: comma means AND; `k!=v` also matches objects without `k`."""
    for requirement in selector.split(","):
        if "!=" in requirement:
            key, value = requirement.split("!=")
            if labels.get(key) == value:
                return False
        else:
            key, value = requirement.split("=")
            if labels.get(key) != value:
                return False
    return True


def rendered(milestone: int = registry.HIGHEST) -> list[dict[str, Any]]:
    return [doc for m in render.render(Settings(), template_values.placeholders(), milestone) for doc in m.documents]


def live_auth_secret() -> dict[str, Any]:
    """influxdb-auth as the API server holds it after InfluxDB's first start patched the two tokens in."""
    [secret] = [copy.deepcopy(d) for d in rendered(1) if d["kind"] == "Secret" and d["metadata"]["name"] ==
                "influxdb-auth"]
    data = {key: base64.b64encode(value.encode()).decode() for key, value in secret.pop("stringData").items()}
    data.update({key: base64.b64encode(b"token-from-first-start").decode() for key in RUNTIME_TOKENS})
    secret["data"] = data
    secret["metadata"]["uid"] = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    return secret


def test_the_selector_destroy_deletes_by_spares_exactly_influxdbs_auth_secret() -> None:
    docs = rendered()
    spared = [KubeObject.of(d) for d in docs if not matches(prune.DISPOSABLE_SELECTOR, d["metadata"]["labels"])]
    assert [(ref.kind, ref.name) for ref in spared] == [("Secret", "influxdb-auth")]
    assert all(matches(prune.MANAGED_SELECTOR, d["metadata"]["labels"]) for d in docs)


def test_destroy_without_delete_data_keeps_the_auth_secret_and_says_why(
        project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    kubectl_stub.on("delete")
    kubectl_stub.on("get", "persistentvolumeclaims", stdout=fixture("recorded/get-pvc.json"))
    kubectl_stub.on("get", ",".join(prune.NAMESPACED_KINDS), "-l", prune.KEPT_SELECTOR,
                    stdout=listed(live_auth_secret()))
    result = ca3("destroy", "--yes")
    assert result.code == 0, result.text
    [namespaced] = [c for c in kubectl_stub.calls if c.words[0] == "delete" and c.flag("--namespace") == NAMESPACE]
    assert namespaced.flag("-l") == prune.DISPOSABLE_SELECTOR
    assert "Kept 2 PersistentVolumeClaim(s) and namespace conveyor-pipeline: data-influxdb-0, data-kafka-0." \
        in result.text
    reason = live_auth_secret()["metadata"]["annotations"][KEEP_REASON]
    assert f"Kept Secret influxdb-auth: {reason}." in result.text
    assert "InfluxDB creates only on its first start" in reason
    assert "`ca3 deploy` carries on with this data; `ca3 destroy --delete-data` removes it all." in result.text
    log = project.run_logs()[0].read_text()
    assert "Kept Secret influxdb-auth" in log and "token-from-first-start" not in log


def test_destroy_with_delete_data_keeps_nothing(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    kubectl_stub.on("delete")
    result = ca3("destroy", "--delete-data", "--yes")
    assert result.code == 0, result.text
    assert "Kept" not in result.text
    assert not [c for c in kubectl_stub.calls if c.words[0] == "get"]


@pytest.fixture
def after_destroy(cluster: KubectlStub) -> KubectlStub:
    """A cluster where `destroy` (without --delete-data) left the claims and the auth Secret with its tokens."""
    cluster.on("get", ",".join(prune.NAMESPACED_KINDS), stdout=listed(live_auth_secret(), *json.loads(
        fixture("recorded/get-pvc.json"))["items"]))
    return cluster


def test_a_redeploy_after_destroy_applies_the_auth_secret_without_its_runtime_tokens_and_prunes_nothing(
        project: Project, after_destroy: KubectlStub, ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    applied = [doc for call in after_destroy.calls if call.words[0] == "apply"
               for doc in yaml.safe_load_all(call.stdin or "") if doc]
    [secret] = [d for d in applied if d["kind"] == "Secret" and d["metadata"]["name"] == "influxdb-auth"]
    fields = set(secret.get("stringData") or {}) | set(secret.get("data") or {})
    assert fields and not fields & set(RUNTIME_TOKENS)  # server-side apply leaves fields it was not given alone
    assert not [c for c in after_destroy.calls if c.words[0] == "delete"]
