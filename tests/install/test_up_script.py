"""The README's first command, `bash scripts/up.sh 1`, from a fresh clone: it makes .venv/, installs ca3 there and runs
`ca3 up`. With no cluster and no engine it ends in one sentence and exit 1; with stand-ins it gets to the deploy."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cluster.conftest import answer_healthy_deploy
from tests.fixtures.kubectl import KubectlStub

REPO = Path(__file__).resolve().parents[2]
REFUSED = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"
DOCKER_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of this repository (what a user gets), shared by the tests here so .venv/ is made once."""
    folder = tmp_path_factory.mktemp("fresh-clone") / "ca3"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(folder)], check=True, timeout=120)
    return folder


def up_sh(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`bash scripts/up.sh ARGS` in the clone, with the stand-ins (first on PATH) as kubectl, docker and kind."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", "scripts/up.sh", *args], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


def test_up_sh_without_a_cluster_or_a_running_docker_ends_in_one_sentence(clone: Path,
                                                                          kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("version", returncode=1, stderr=REFUSED)
    kubectl_stub.on("config", "current-context", stdout="kind-ca3\n")
    kubectl_stub.docker.on("info", returncode=1, stderr=DOCKER_DOWN)
    result = up_sh(clone, "1")
    text = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, text
    assert (clone / ".venv" / "bin" / "ca3").is_file()
    assert "No reachable cluster and no local engine: context `kind-ca3` does not answer, Docker is not running" in text
    assert "Traceback" not in text
    assert not [call for call in kubectl_stub.docker.calls if call.words[0] == "build"]


def test_up_sh_without_kubectl_says_so_before_installing_anything(clone: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bin"  # a PATH with what the script needs to start, and no kubectl
    bare.mkdir()
    for tool in ("bash", "dirname"):
        (bare / tool).symlink_to(Path("/usr/bin", tool))
    env = {"PATH": str(bare), "HOME": str(tmp_path)}
    venv_before = (clone / ".venv").exists()
    result = subprocess.run(["bash", "scripts/up.sh", "1"], cwd=clone, env=env, capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "kubectl was not found on PATH. Install it (https://kubernetes.io/docs/tasks/tools/) and run "
        "bash scripts/up.sh again."]
    assert (clone / ".venv").exists() == venv_before


def test_up_sh_with_a_reachable_cluster_builds_loads_and_deploys(clone: Path, kubectl_stub: KubectlStub) -> None:
    answer_healthy_deploy(kubectl_stub)
    kubectl_stub.on("config", "current-context", stdout="kind-ca3\n")
    kubectl_stub.docker.on("build")
    kubectl_stub.tool("kind").on("load", "docker-image", required=True)
    result = up_sh(clone, "1")
    text = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, text
    assert "Milestone 1 deployed:" in text and "Grafana:" in text
    assert [call.words[:2] for call in kubectl_stub.docker.calls] == [["build", "-t"], ["build", "-t"]]
    assert any(call.words[0] == "apply" for call in kubectl_stub.calls)
