"""The thin seed-compatible scripts: shellcheck-clean, and each one runs the matching ca3 command."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.patience import CALL_GUARD_S

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for folder in ("scripts", ".ci") for p in (ROOT / folder).iterdir() if p.is_file())


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_is_shellcheck_clean(script: Path) -> None:
    assert shutil.which("shellcheck"), "shellcheck is missing; `bash scripts/test.sh` installs it"
    result = subprocess.run(["shellcheck", "-x", "--shell=bash", str(script.relative_to(ROOT))], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("script", "args", "expected"), [
    ("deploy.sh", [], "deploy -m 1"),
    ("deploy.sh", ["-m", "5", "--dry-run"], "deploy -m 5 --dry-run"),
    ("validate.sh", [], "validate"),
    ("destroy.sh", ["--yes"], "destroy --yes"),
    ("load-test.sh", [], "load-test"),
    ("load-test.sh", ["--rate", "2000", "--duration", "300"], "load-test --rate 2000 --duration 300"),
])
def test_script_runs_the_ca3_command_from_the_repository_root(script: str, args: list[str], expected: str,
                                                              tmp_path: Path) -> None:
    fake = tmp_path / "ca3"
    fake.write_text(f'#!/bin/sh\necho "$PWD|$*" > "{tmp_path}/ran"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", str(ROOT / "scripts" / script), *args], cwd=tmp_path, env=env, check=True,
                   timeout=CALL_GUARD_S)
    assert (tmp_path / "ran").read_text().strip() == f"{ROOT}|{expected}"
