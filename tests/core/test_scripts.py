"""The shell scripts rendered into ConfigMaps: shellcheck-clean, and InfluxDB's token script does what it says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ca3cli.core import render, template_values
from ca3cli.core.settings import Settings


def _scripts() -> dict[str, str]:
    manifests = render.render(Settings(), template_values.placeholders(), 1)
    return {
        key: text
        for m in manifests
        for d in m.documents
        if d["kind"] == "ConfigMap"
        for key, text in d["data"].items()
        if key.endswith(".sh")
    }


@pytest.mark.parametrize("name", sorted(_scripts()))
def test_configmap_script_passes_shellcheck(name: str, tmp_path: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed; scripts/test.sh installs it (apt-get install shellcheck).")
    path = tmp_path / name
    path.write_text(_scripts()[name])
    result = subprocess.run(["shellcheck", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


def test_influxdb_token_script_stores_both_scoped_tokens(tmp_path: Path) -> None:
    bin_dir, sa = tmp_path / "bin", tmp_path / "sa"
    bin_dir.mkdir(), sa.mkdir()
    for name, value in (("ca.crt", "CA"), ("token", "sa-token"), ("namespace", "conveyor-pipeline")):
        (sa / name).write_text(value)
    # Called as `influx auth create --org ORG --description NAME ...`; like the real CLI with --json it prints
    # the new authorization with its token (indented with tabs).
    _stub(bin_dir, "influx", 'echo "$@" >> "$CALLS"\n'
          'printf \'{\\n\\t"id": "1",\\n\\t"token": "tok-%s==",\\n\\t"status": "active"\\n}\\n\' "$6"\n')
    _stub(bin_dir, "curl", 'echo "$@" >> "$CALLS"\ncat > "$BODY"\n')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(tmp_path / "calls"),
           "BODY": str(tmp_path / "body"), "SERVICE_ACCOUNT_DIR": str(sa),
           "DOCKER_INFLUXDB_INIT_ORG": "conveyor", "DOCKER_INFLUXDB_INIT_BUCKET_ID": "b1",
           "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    script = tmp_path / "10-scoped-tokens.sh"
    script.write_text(_scripts()["10-scoped-tokens.sh"])
    result = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    body = json.loads((tmp_path / "body").read_text())
    assert body == {"stringData": {"processor-token": "tok-ca3-processor==", "grafana-token": "tok-ca3-grafana=="}}
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "--write-bucket b1" in calls[0] and "--write-bucket" not in calls[1]
    assert "/api/v1/namespaces/conveyor-pipeline/secrets/influxdb-auth" in calls[2] and "sa-token" in calls[2]


def test_influxdb_token_script_fails_when_no_token_comes_back(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _stub(bin_dir, "influx", "echo '{}'\n")
    _stub(bin_dir, "curl", "exit 0\n")
    script = tmp_path / "s.sh"
    script.write_text(_scripts()["10-scoped-tokens.sh"])
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin",
           "DOCKER_INFLUXDB_INIT_ORG": "o", "DOCKER_INFLUXDB_INIT_BUCKET_ID": "b"}
    assert subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True).returncode != 0
