"""The shell scripts rendered into ConfigMaps: shellcheck-clean, and InfluxDB's token script does what it says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.influx_cli import (
    ADMIN,
    ADMIN_TOKEN,
    BUCKET_ID,
    OLDER,
    REFUSED,
    SCRIPT,
    run_token_script,
    scripts,
    stub,
)


@pytest.mark.parametrize("name", sorted(scripts()))
def test_configmap_script_passes_shellcheck(name: str, tmp_path: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed; scripts/test.sh installs it (apt-get install shellcheck).")
    path = tmp_path / name
    path.write_text(scripts()[name])
    result = subprocess.run(["shellcheck", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


NEW_TOKENS = {"processor-token": "tok-ca3-processor==", "grafana-token": "tok-ca3-grafana=="}


def test_at_first_start_the_token_script_stores_both_scoped_tokens(tmp_path: Path) -> None:
    # The image runs it after its setup, with INFLUX_HOST on its setup port and the bucket's id exported.
    run = run_token_script(tmp_path, INFLUX_HOST="http://localhost:9999", DOCKER_INFLUXDB_INIT_BUCKET_ID="b1")
    assert run.returncode == 0, run.stderr
    assert run.patch == {"stringData": NEW_TOKENS}
    assert run.influx[0] == "auth list --org conveyor --json"
    assert "--write-bucket b1 --read-bucket b1" in run.influx[1] and "--write-bucket" not in run.influx[2]
    assert len(run.influx) == 3  # no bucket lookup, nothing to delete
    assert "/api/v1/namespaces/conveyor-pipeline/secrets/influxdb-auth" in run.curl and "sa-token" in run.curl
    assert run.environments == {f"http://localhost:9999 {ADMIN_TOKEN} none"}
    assert "deleted 0 older authorization(s)" in run.stdout


@pytest.mark.parametrize(("milestone", "environment"), [
    (1, f"http://localhost:8086 {ADMIN_TOKEN} none"),
    (7, f"https://localhost:8086 {ADMIN_TOKEN} /var/run/secrets/ca3/influxdb-tls/ca.crt")])
def test_through_kubectl_exec_the_token_script_makes_new_tokens_and_retires_the_old_ones(
        tmp_path: Path, milestone: int, environment: str) -> None:
    # Run by `ca3 deploy` in the running pod: no setup variables, the final server, older ca3 tokens listed.
    run = run_token_script(tmp_path, milestone=milestone, listed=(ADMIN, *OLDER))
    assert run.returncode == 0, run.stderr
    assert run.influx[1] == "bucket list --org conveyor --name conveyor --hide-headers"
    assert f"--write-bucket {BUCKET_ID} --read-bucket {BUCKET_ID}" in run.influx[2]
    assert run.patch == {"stringData": NEW_TOKENS}
    assert run.influx[4:] == [f"auth delete --id {OLDER[0]['id']}", f"auth delete --id {OLDER[1]['id']}"]
    assert run.stdout.splitlines() == ["stored new processor and grafana tokens in Secret influxdb-auth",
                                       "deleted 2 older authorization(s) named ca3-processor or ca3-grafana"]
    assert run.environments == {environment}
    assert not [call for call in run.influx if ADMIN_TOKEN in call]  # only ever in the environment


def test_the_token_script_exits_3_and_changes_nothing_when_influxdb_refuses_the_admin_token(tmp_path: Path) -> None:
    run = run_token_script(tmp_path, refused=True)
    assert run.returncode == 3 and run.stderr == REFUSED
    assert run.influx == ["auth list --org conveyor --json"] and run.curl == "" and run.patch is None


def test_influxdb_token_script_fails_with_a_reason_when_no_token_comes_back(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "influx", "echo '{}'\n")
    stub(bin_dir, "curl", "exit 0\n")
    (tmp_path / "admin-token").write_text("t")
    script = tmp_path / "s.sh"
    script.write_text(scripts()[SCRIPT])
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN_FILE":
           str(tmp_path / "admin-token"), "DOCKER_INFLUXDB_INIT_ORG": "o", "DOCKER_INFLUXDB_INIT_BUCKET_ID": "b"}
    result = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "could not read the new tokens from influx auth create" in result.stderr
