"""A user's install: the wheel built from this checkout, installed into a new, empty virtualenv, run from a folder
that is not the checkout. Templates and data files must come from the package, and every import be declared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ca3cli.core import registry

REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Installed:
    bin: Path
    project: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "ca3"), *args], cwd=self.project, env=self.env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)


def _run(*argv: str | Path) -> None:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert result.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """`pip wheel .`, a new venv without system site-packages, the wheel installed there; a scratch project."""
    root = tmp_path_factory.mktemp("wheel-install")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", root / "dist", REPO)
    wheels = list((root / "dist").glob("ca3-*.whl"))
    assert len(wheels) == 1, wheels
    _run(sys.executable, "-m", "venv", root / "venv")
    _run(root / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", wheels[0])
    project = root / "project"
    project.mkdir()
    env = {"PATH": f"{root / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}", "HOME": str(project),
           "COLUMNS": "200", "LANG": "C.UTF-8"}
    yield Installed(root / "venv" / "bin", project, env)


def test_the_fresh_venv_has_no_click_and_ca3_help_lists_the_commands(installed: Installed) -> None:
    no_click = subprocess.run([str(installed.bin / "python"), "-c", "import click"], capture_output=True, text=True)
    assert no_click.returncode != 0 and "No module named 'click'" in no_click.stderr
    result = installed.run("--help")
    assert result.returncode == 0, result.stderr
    for command in ("init", "render", "lint", "build", "deploy", "status", "validate", "open", "evidence", "destroy"):
        assert f"│ {command} " in result.stdout


def test_init_render_lint_and_an_offline_deploy_work_from_the_wheel(installed: Installed) -> None:
    init = installed.run("init")
    assert init.returncode == 0, init.stderr
    assert (installed.project / "ca3.yaml").is_file() and (installed.project / ".ca3" / "secrets").is_dir()
    render = installed.run("render", "-m", "5")
    assert render.returncode == 0, render.stderr
    assert (installed.project / "k8s" / "logging" / "loki-deployment.yaml").is_file()
    assert "kind: StatefulSet" in (installed.project / "k8s" / "kafka" / "kafka-statefulset.yaml").read_text()
    lint = installed.run("lint", "-m", "5")
    assert lint.returncode == 0, lint.stderr
    assert "pass strict schemas (1.30 and 1.37)" in lint.stdout
    deploy = installed.run("deploy", "-m", "5", "--dry-run")
    assert deploy.returncode == 0, deploy.stderr
    assert "Dry run: rendered and linted offline; nothing was sent to a cluster." in deploy.stdout


def test_validate_list_json_from_the_wheel_lists_every_check(installed: Installed) -> None:
    result = installed.run("validate", "--list", "--json")
    assert result.returncode == 0, result.stderr
    assert [item["id"] for item in json.loads(result.stdout)] == [c.id for c in registry.CRITERIA]


def test_a_bad_milestone_from_the_wheel_is_exit_two_not_a_crash(installed: Installed) -> None:
    result = installed.run("render", "-m", "0")
    assert result.returncode == 2
    assert "Unknown milestone 0; choose one of 1-9." in result.stderr


def test_the_scripts_helper_ships_in_the_wheel_as_the_checkout_has_it(installed: Installed) -> None:
    probe = "from ca3cli.operations.handin import scripts; print(scripts.helper_text(), end='')"
    shipped = subprocess.run([str(installed.bin / "python"), "-c", probe], capture_output=True, text=True,
                             cwd=installed.project, env=installed.env)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout == (REPO / "scripts" / "_ca3.sh").read_text()
