"""The init, render and lint commands as a user runs them: exit codes and messages, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from ca3cli import cli
from ca3cli.core import registry

REPO = Path(__file__).resolve().parents[2]


def ca3(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """ca3 with the folder as its home; the user's cache (compiled templates) stays the session's, outside it."""
    return subprocess.run(
        [sys.executable, "-m", "ca3cli", *args], cwd=cwd, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd), "COLUMNS": "200",
             "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], **(env or {})},
    )


def test_init_writes_settings_and_secrets_then_keeps_them(project: Path) -> None:
    first = ca3(project, "init")
    assert first.returncode == 0, first.stderr
    config = (project / "ca3.yaml").read_text()
    cluster_id = (project / ".ca3" / "secrets" / "kafka_cluster_id").read_text()
    (project / "ca3.yaml").write_text(config.replace("partitions: 6", "partitions: 8"))
    again = ca3(project, "init")
    assert again.returncode == 0 and "Kept" in again.stdout
    assert "partitions: 8" in (project / "ca3.yaml").read_text()
    assert (project / ".ca3" / "secrets" / "kafka_cluster_id").read_text() == cluster_id
    assert cluster_id not in first.stdout + again.stdout


def test_init_force_rewrites_the_settings_file(project: Path) -> None:
    (project / "ca3.yaml").write_text("namespace: custom\n")
    assert ca3(project, "init", "--force").returncode == 0
    assert yaml.safe_load((project / "ca3.yaml").read_text())["namespace"] == "conveyor-pipeline"


def test_init_interactive_uses_the_answers(project: Path) -> None:
    answers = "k3d\ndemo\n\n30500\nregistry.local\n0.2.0\n"
    result = subprocess.run(
        [sys.executable, "-m", "ca3cli", "init", "--interactive"], cwd=project, input=answers, capture_output=True,
        text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(project)},
    )
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load((project / "ca3.yaml").read_text())
    assert ((written["cluster"]["flavour"], written["namespace"], written["grafana"]["node_port"])
            == ("k3d", "demo", 30500))


def test_render_writes_the_layout_without_secrets(project: Path) -> None:
    result = ca3(project, "render", "-m", "1")
    assert result.returncode == 0, result.stderr
    assert (project / "k8s" / "kafka" / "kafka-statefulset.yaml").is_file()
    assert not (project / "k8s" / "secrets").exists()
    assert "--include-secrets" in result.stdout


def test_render_with_secrets_before_init_says_to_run_init(project: Path) -> None:
    result = ca3(project, "render", "-m", "1", "--include-secrets")
    assert result.returncode == 1
    assert "ca3 init" in result.stderr and "Traceback" not in result.stderr


def test_lint_passes_on_the_defaults(project: Path) -> None:
    result = ca3(project, "lint", "-m", "1")
    assert result.returncode == 0, result.stderr
    assert "1.30 and 1.37" in result.stdout


def test_lint_of_a_latest_image_is_stopped_by_the_settings_before_rendering(project: Path) -> None:
    # The settings refuse what lint's pinned-image rule would find (its findings are tested in test_lint.py).
    result = ca3(project, "lint", "-m", "1", env={"CA3_IMAGES_KAFKA": "apache/kafka:latest"})
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "`images.kafka` from environment variable CA3_IMAGES_KAFKA is 'apache/kafka:latest'" in message
    assert "a tag other than latest" in message and "Traceback" not in message


def test_unknown_milestone_is_a_clear_error(project: Path) -> None:
    for command in ("render", "lint"):
        result = ca3(project, command, "-m", "12")
        assert result.returncode == 2
        assert "Unknown milestone 12; choose one of 1-9." in result.stderr and "Traceback" not in result.stderr


def test_bad_settings_file_is_a_clear_error(project: Path) -> None:
    (project / "ca3.yaml").write_text("kafka: [1\n")
    broken = ca3(project, "lint", "-m", "1")
    (project / "ca3.yaml").write_text("kafka:\n  partitions: many\n")
    wrong_type = ca3(project, "render", "-m", "1")
    assert (broken.returncode, wrong_type.returncode) == (2, 2)
    assert "not valid YAML" in broken.stderr and "kafka.partitions" in wrong_type.stderr
    assert "Traceback" not in broken.stderr + wrong_type.stderr


def test_deploying_tls_milestones_before_certificates_exist_says_how_to_go_on(project: Path) -> None:
    refused = ca3(project, "deploy", "-m", "7", "--dry-run")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "run `ca3 certs` first" in " ".join(refused.stderr.split())
    assert ca3(project, "init").returncode == 0
    assert ca3(project, "certs").returncode == 0
    assert ca3(project, "deploy", "-m", "7", "--dry-run").returncode == 0
    without_tls = ca3(project, "deploy", "-m", "9", "--dry-run",
                      env={"CA3_TLS_INFLUXDB": "false", "CA3_TLS_KAFKA": "false"})
    assert without_tls.returncode == 0, without_tls.stderr


def test_render_of_a_lower_milestone_removes_only_the_files_it_wrote_before(project: Path) -> None:
    assert ca3(project, "render", "-m", "5").returncode == 0
    loki = project / "k8s" / "logging" / "loki-deployment.yaml"
    mine = project / "k8s" / "logging" / "my-notes.yaml"
    mine.write_text("kept: true\n")
    result = ca3(project, "render", "-m", "1")
    assert result.returncode == 0, result.stderr
    assert not loki.exists() and not (project / "k8s" / "prometheus").exists()
    assert mine.read_text() == "kept: true\n"
    assert (project / "k8s" / "kafka" / "kafka-statefulset.yaml").is_file()
    assert "Removed k8s/logging/loki-deployment.yaml: an earlier render wrote it" in " ".join(result.stdout.split())


def test_render_again_rewrites_only_the_files_whose_text_changed(project: Path) -> None:
    assert ca3(project, "render", "-m", "1").returncode == 0
    k8s = project / "k8s"
    written = {p: p.stat() for p in k8s.rglob("*") if p.is_file()}
    edited = k8s / "kafka" / "kafka-statefulset.yaml"
    rendered = edited.read_text()
    edited.write_text("edited by hand\n")
    result = ca3(project, "render", "-m", "1")
    assert result.returncode == 0, result.stderr
    assert edited.read_text() == rendered
    kept = {p for p, was in written.items() if (p.stat().st_ino, p.stat().st_mtime_ns) == (was.st_ino, was.st_mtime_ns)}
    assert kept == set(written) - {edited}
    manifests = len(written) - 1  # all but the record of rendered files
    assert f"Of these files, {manifests - 1} already held the same text" in " ".join(result.stdout.split())


def test_render_into_a_file_is_a_usage_error(project: Path) -> None:
    (project / "k8s").write_text("not a folder\n")
    result = ca3(project, "render", "-m", "1")
    assert result.returncode == 2
    assert "--out k8s is a file, not a folder. Choose a folder for the manifests" in " ".join(result.stderr.split())


def test_render_where_no_folder_can_be_made_is_a_usage_error(project: Path) -> None:
    (project / "plain-file").write_text("x\n")  # a folder below a file cannot be created, not even by root
    result = ca3(project, "render", "-m", "1", "--out", "plain-file/k8s")
    assert result.returncode == 2
    assert ("Cannot make plain-file/k8s because a part of its path is a file, not a folder: choose another folder, "
            "then run the command again.") in " ".join(
        result.stderr.split())


FLAGS = {"": ("--verbose", "--version"), "deploy": ("--diff", "--delete-data"), "destroy": ("--delete-data", "--yes"),
         "render": ("--include-secrets",), "build": ("--push",), "validate": ("--json", "--list"),
         "init": ("--force", "--rotate", "--interactive"), "cluster delete": ("--yes",)}


@pytest.mark.parametrize("command", list(FLAGS), ids=[c or "ca3" for c in FLAGS])
def test_boolean_options_show_as_flags_in_help(project: Path, command: str) -> None:
    result = ca3(project, *command.split(), "--help", env={"COLUMNS": "160"})
    assert result.returncode == 0, result.stderr
    for name in FLAGS[command]:
        line = next(line for line in result.stdout.splitlines() if f" {name} " in line)
        assert "<bool>" not in line and "/--no-" not in line, line


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and command group of ca3, as the words that name it."""
    def walk(command: typer.main.TyperGroup, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, (*path, name))
        return found

    return walk(typer.main.get_command(cli.app), ())


@pytest.mark.parametrize("words", _command_paths(), ids=lambda words: " ".join(words) or "ca3")
def test_help_shows_no_type_placeholders_and_the_milestone_range(words: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(cli.app, [*words, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for placeholder in ("<bool>", "<list", "{"):
        assert placeholder not in shown.output
    if "--milestone" in shown.output:
        assert re.search(rf"-m\s+1-{registry.HIGHEST}\s", shown.output), shown.output
