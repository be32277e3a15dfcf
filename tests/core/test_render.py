"""Rendering: strict templates, the seed's file layout, Secrets written only on request and only privately."""

from __future__ import annotations

import re
import stat
from pathlib import Path, PurePosixPath

import jinja2
import pytest

from ca3cli.core import registry, render, template_values
from ca3cli.core.errors import RenderError
from ca3cli.core.registry import Component
from ca3cli.core.settings import Settings
from ca3cli.edges import output


def test_missing_value_in_a_template_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "broken.yaml.j2").write_text("name: {{ settings.no_such_setting }}\n")
    monkeypatch.setattr(render, "template_loader", lambda: jinja2.FileSystemLoader(tmp_path))
    monkeypatch.setattr(render, "environment", render.environment.__wrapped__)  # not the process's compiled one
    monkeypatch.setattr(registry, "components_for", lambda n, s: [Component("broken", "broken", ("broken.yaml",))])
    with pytest.raises(RenderError, match=re.escape("templates/broken/broken.yaml.j2")):
        render.render(Settings(), template_values.placeholders(), 1)


def test_the_templates_are_compiled_once_per_process() -> None:
    render.render(Settings(), template_values.placeholders(), registry.HIGHEST)
    env = render.environment()
    compiled = env.get_template("kafka/kafka-statefulset.yaml.j2")
    render.render(Settings(), template_values.placeholders(), registry.HIGHEST)
    assert render.environment() is env and env.get_template("kafka/kafka-statefulset.yaml.j2") is compiled


def test_milestone_one_lands_in_the_seed_layout() -> None:
    paths = {str(m.path) for m in render.render(Settings(), template_values.placeholders(), 1)}
    for expected in (
        "namespace.yaml",
        "kafka/kafka-statefulset.yaml",
        "kafka/kafka-topic-job.yaml",
        "influxdb/influxdb-statefulset.yaml",
        "producer/producer-deployment.yaml",
        "producer/producer-hpa.yaml",
        "processor/processor-deployment.yaml",
        "network/default-deny-networkpolicy.yaml",
        "secrets/influxdb-auth-secret.yaml",
    ):
        assert expected in paths


def test_every_object_is_in_the_configured_namespace() -> None:
    manifests = render.render(Settings(namespace="demo"), template_values.placeholders(), 1)
    namespaces = {d["metadata"].get("namespace") for m in manifests for d in m.documents if d["kind"] != "Namespace"}
    assert namespaces == {"demo"}


def test_secrets_are_left_out_unless_asked(tmp_path: Path) -> None:
    manifests = render.render(Settings(), template_values.placeholders(), 1)
    written = output.write(manifests, tmp_path / "k8s", secrets_out=None)
    assert written.secrets == [] and len(written.skipped_secrets) == 3
    on_disk = [p.read_text() for p in (tmp_path / "k8s").rglob("*.yaml")]
    assert on_disk and not any("kind: Secret" in text for text in on_disk)


def test_secrets_asked_for_go_only_to_the_private_folder(tmp_path: Path) -> None:
    manifests = render.render(Settings(), template_values.placeholders(), 1)
    written = output.write(manifests, tmp_path / "k8s", secrets_out=tmp_path / ".ca3" / "rendered-secrets")
    assert len(written.secrets) == 3
    assert all(p.is_relative_to(tmp_path / ".ca3" / "rendered-secrets") for p in written.secrets)
    assert {stat.S_IMODE(p.stat().st_mode) for p in written.secrets} == {0o600}
    assert not any("kind: Secret" in p.read_text() for p in (tmp_path / "k8s").rglob("*.yaml"))


def test_manifest_holding_a_secret_is_recognised() -> None:
    manifest = render.Manifest("x", PurePosixPath("x.yaml"), "", ({"kind": "ConfigMap"}, {"kind": "Secret"}))
    assert manifest.is_secret


def test_config_change_changes_the_influxdb_pod_checksum() -> None:
    def checksum(settings: Settings) -> str:
        manifests = render.render(settings, template_values.placeholders(), 1)
        sts = next(d for m in manifests for d in m.documents
                   if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "influxdb")
        return sts["spec"]["template"]["metadata"]["annotations"]["checksum/influxdb-init"]

    assert checksum(Settings()) != checksum(Settings(namespace="other"))
