"""A scratch project to hand in: `ca3 init` run in an empty folder, and ca3 and git run there as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.project import clean_environment

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "student@example.org",
           "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "student@example.org"}

Run = Callable[..., subprocess.CompletedProcess[str]]


def _env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(home), "COLUMNS": "200", **GIT_ENV}


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised project without a cluster: ca3.yaml and generated secrets, nothing else."""
    clean_environment(monkeypatch)
    folder = tmp_path / "project"
    folder.mkdir()
    done = subprocess.run([sys.executable, "-m", "ca3cli", "init"], cwd=folder, env=_env(tmp_path),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def ca3(scratch: Path) -> Run:
    """`ca3 ARGS...` in the scratch project, through the real entry point."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ca3cli", *args], cwd=scratch, env=_env(scratch.parent),
                              capture_output=True, text=True, timeout=300)

    return run


@pytest.fixture
def git(scratch: Path) -> Run:
    """`git ARGS...` in the scratch project (a repository once `git("init")` ran)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=scratch, env=_env(scratch.parent), capture_output=True,
                              text=True, check=True)

    return run
