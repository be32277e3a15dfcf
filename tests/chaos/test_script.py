"""scripts/resilience-test.sh is thin: it runs `ca3 chaos --record` from the repository root, options passed on.
(Its shellcheck run is tests/cluster/test_scripts.py, which checks every script.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.patience import CALL_GUARD_S

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("args", "expected"), [
    ([], "chaos --record"),
    (["-e", "delete-pod-kafka", "--json"], "chaos --record -e delete-pod-kafka --json"),
])
def test_resilience_test_runs_ca3_chaos_with_record(args: list[str], expected: str, tmp_path: Path) -> None:
    fake = tmp_path / "ca3"
    fake.write_text(f'#!/bin/sh\necho "$PWD|$*" > "{tmp_path}/ran"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", str(ROOT / "scripts" / "resilience-test.sh"), *args], cwd=tmp_path, env=env, check=True,
                   timeout=CALL_GUARD_S)
    assert (tmp_path / "ran").read_text().strip() == f"{ROOT}|{expected}"
