"""`.ci/run`, CI's entry point, is thin: from the repository root it runs scripts/test.sh with its own arguments
passed on unchanged (so CI can pick tests or workers the way a developer does)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.patience import CALL_GUARD_S

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [[], ["tests/apps", "-n", "2"], ["-k", "two words", "-q"]])
def test_ci_run_passes_its_arguments_on_to_the_test_script(args: list[str], tmp_path: Path) -> None:
    """.ci/run copied into a scratch checkout whose scripts/test.sh only records how it was called."""
    (tmp_path / ".ci").mkdir()
    shutil.copy2(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test.sh").write_text(
        'printf "%s\\n" "$PWD" "$@" > "$(dirname "$0")/../called"\n')
    subprocess.run(["bash", str(tmp_path / ".ci" / "run"), *args], cwd="/", check=True, timeout=CALL_GUARD_S)
    assert (tmp_path / "called").read_text().splitlines() == [str(tmp_path), *args]
