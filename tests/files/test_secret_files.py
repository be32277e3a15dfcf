"""Secrets whole or absent: `ca3 init` killed between any two writes leaves each secret absent or whole; a file a
crash or a full disk left empty, short or not UTF-8 is generated again by `ca3 init` (and said) and refused by
everything that loads it; modes are enforced on every write; a full disk is a sentence and keeps the old values."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ca3cli.edges import config_file, files, secrets
from tests.files.conftest import Run, fill, one_sentence, tmpfs
from tests.fixtures.project import project_folder

REPO = Path(__file__).resolve().parents[2]
FOLDER = Path(".ca3") / "secrets"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return project_folder(tmp_path, monkeypatch)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _whole_or_absent(project: Path) -> None:
    for spec in secrets.SPECS:
        path = project / FOLDER / spec.name
        assert not path.exists() or secrets.damage(spec, path.read_bytes()) is None, spec.name


DAMAGE = {"empty": (b"", "empty"), "blank": (b"\n \n", "empty"), "short": (b"abc123", "6 characters long"),
          "not UTF-8": (b"\xff\xfe\xfd" * 20, "not UTF-8 text"),
          "cut inside a character": ("é".encode()[:1] * 50, "not UTF-8 text"),
          "not what ca3 generates": (b"a password with spaces and quotes \"'" * 3, "not made of the URL-safe")}
DAMAGED = [(kind, spec.name) for kind in sorted(DAMAGE) for spec in secrets.SPECS if spec.name in (
    "influxdb_admin_password", "kafka_cluster_id")]


@pytest.mark.parametrize(("kind", "name"), DAMAGED)
def test_a_damaged_secret_is_refused_by_loading_and_generated_again_by_init(
        kind: str, name: str, project: Path, ca3: Callable[..., Run]) -> None:
    assert ca3("init").code == 0
    kept = secrets.load(project / FOLDER)
    data, words = DAMAGE[kind]
    (project / FOLDER / name).write_bytes(data)
    refused = ca3("render", "-m", "1", "--include-secrets")
    assert refused.code == 1
    sentence = one_sentence(refused)
    assert f"Secret {FOLDER / name} is {words}" in sentence and "run `ca3 init`" in sentence
    repaired = ca3("init")
    assert repaired.code == 0, repaired.text
    assert f"Generated {FOLDER / name} again: the file was {words}" in repaired.text
    now = secrets.load(project / FOLDER)
    assert {k for k in now if now[k] != kept[k]} == {name}


def test_a_longer_value_of_the_right_characters_is_kept(project: Path, ca3: Callable[..., Run]) -> None:
    assert ca3("init").code == 0
    (project / FOLDER / "grafana_admin_password").write_text("A" * 60 + "\n")
    assert secrets.load(project / FOLDER)["grafana_admin_password"] == "A" * 60
    assert f"0 generated, {len(secrets.SPECS)} kept" in ca3("init").text


def test_loose_secret_modes_are_tightened_by_init(project: Path, ca3: Callable[..., Run]) -> None:
    assert ca3("init").code == 0
    (project / FOLDER).chmod(0o755)
    for spec in secrets.SPECS:
        (project / FOLDER / spec.name).chmod(0o644)
    assert ca3("init").code == 0
    assert _mode(project / FOLDER) == 0o700
    assert {_mode(project / FOLDER / spec.name) for spec in secrets.SPECS} == {0o600}


def test_loose_rendered_secret_modes_are_tightened_by_render(project: Path, ca3: Callable[..., Run]) -> None:
    assert ca3("init").code == 0
    assert ca3("render", "-m", "1", "--include-secrets").code == 0
    rendered = project / ".ca3" / "rendered-secrets"
    written = sorted(p for p in rendered.rglob("*") if p.is_file())
    assert written
    for path in [rendered, *written, *{p.parent for p in written}]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert ca3("render", "-m", "1", "--include-secrets").code == 0
    assert {_mode(p) for p in written} == {0o600}
    assert {_mode(p) for p in [rendered, *{p.parent for p in written}]} == {0o700}


# Runs `ca3 init` and SIGKILLs it at the Nth write, fsync or rename of the process: every moment between two steps
# of writing a file. Prints how many there were when it is not killed.
KILLER = """
import atexit, os, signal, sys
limit, count = int(sys.argv[1]), 0
def counted(real):
    def call(*args, **kwargs):
        global count
        count += 1
        if count == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
for name in ("write", "fsync", "rename"):
    setattr(os, name, counted(getattr(os, name)))
atexit.register(lambda: sys.stderr.write(f"steps={count}\\n"))
sys.argv = ["ca3", "init"]
from ca3cli.cli import main
main()
"""


def _files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file()]


def _temporary(path: Path) -> bool:
    return path.name.endswith(files.TEMP_SUFFIX)


def _init_killed_at(project: Path, step: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", KILLER, str(step)], cwd=project, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(project)})


def test_init_killed_between_any_two_writes_leaves_each_secret_whole_or_absent(
        tmp_path: Path, ca3: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "whole").mkdir()  # beside the killed projects, not above them: ca3 looks upwards for ca3.yaml
    whole = _init_killed_at(tmp_path / "whole", 10**9)
    assert whole.returncode == 0, whole.stderr
    steps = int(whole.stderr.rsplit("steps=", 1)[1])
    assert steps >= 3 * (len(secrets.SPECS) + 3)  # write, fsync, rename for ca3.yaml, schema, .gitignore, secrets
    for step in range(1, steps + 1):
        project = tmp_path / f"killed-{step}"
        project.mkdir()
        killed = _init_killed_at(project, step)
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr)
        _whole_or_absent(project)
        settings = project / "ca3.yaml"
        assert not settings.exists() or settings.read_text() == config_file.render()
        assert [p for p in _files(project) if p.stat().st_size == 0 and not _temporary(p)] == []
        monkeypatch.chdir(project)
        assert ca3("init").code == 0
        assert len(secrets.load(project / FOLDER)) == len(secrets.SPECS)
        assert [p for p in _files(project) if _temporary(p)] == []  # the next write of the same file swept it


def test_a_full_disk_is_a_sentence_and_keeps_every_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          ca3: Callable[..., Run]) -> None:
    with tmpfs(tmp_path / "disk", "256k") as disk:
        monkeypatch.chdir(disk)
        assert ca3("init").code == 0
        before = secrets.load(disk / FOLDER)
        fill(disk)
        rotated = ca3("init", "--rotate")
        assert rotated.code == 2
        assert "because the disk is full: free some space, then run the command again" in one_sentence(rotated)
        assert secrets.load(disk / FOLDER) == before
        assert yaml.safe_load((disk / "ca3.yaml").read_text())["namespace"] == "conveyor-pipeline"


def test_a_first_init_on_a_full_disk_leaves_no_empty_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            ca3: Callable[..., Run]) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        monkeypatch.chdir(disk)
        (disk / "ca3.yaml").write_text("namespace: demo\n")  # kept by init: only the schema and secrets are new
        fill(disk)
        full = ca3("init")
        assert full.code == 2 and "the disk is full" in one_sentence(full)
        _whole_or_absent(disk)
        (disk / "filler").unlink()
        assert ca3("init").code == 0
        assert len(secrets.load(disk / FOLDER)) == len(secrets.SPECS)
