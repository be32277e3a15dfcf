"""Secrets are applied with base64 `data`, never `stringData`: under server-side apply `stringData` is a change on
every apply (kubernetes/kubernetes#96841), so an unchanged redeploy would write a new revision of each Secret."""

from __future__ import annotations

import base64
from collections.abc import Callable

import yaml

from ca3cli.core import render, template_values
from ca3cli.core.settings import Settings
from ca3cli.operations import deploy
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]


def test_every_applied_secret_carries_data_that_decodes_to_the_rendered_values(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    applied = [doc for call in cluster.calls if call.words[0] == "apply"
               for doc in yaml.safe_load_all(call.stdin or "") if doc]
    secrets = {doc["metadata"]["name"]: doc for doc in applied if doc["kind"] == "Secret"}
    assert set(secrets) >= {"influxdb-auth", "grafana-admin", "kafka-cluster"}
    assert all("stringData" not in secret for secret in secrets.values())
    token = base64.b64decode(secrets["influxdb-auth"]["data"]["admin-token"]).decode()
    assert token == project.secrets["influxdb_admin_token"]


def test_only_secrets_are_rewritten_and_a_data_key_wins_as_on_the_server() -> None:
    manifests = render.render(Settings(), template_values.placeholders(), 1)
    others = [m for m in manifests if not m.is_secret]
    assert all(deploy.applied_text(m) == m.text for m in others)
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "stringData": {"a": "x", "b": "y"}, "data": {"b": base64.b64encode(b"z").decode()}}
    assert deploy.as_data(secret)["data"] == {"a": "eA==", "b": "eg=="}
    assert "stringData" not in deploy.as_data(secret) and secret["stringData"] == {"a": "x", "b": "y"}
