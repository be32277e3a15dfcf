"""The crash handler on a disk that cannot take its report: it tries run_logs/, then the temporary folder, then
prints the traceback on stderr; never a chained OSError, never through a link. A full or read-only disk met outside
ca3's file door is a sentence too."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ca3cli.edges import config_file
from tests.files.conftest import Run, fill, one_sentence, snapshot, tmpfs

CHAINED = "During handling of the above exception"


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ca3 init` meets a bug (a function of a module it imports when it runs raises)."""
    def broken() -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(config_file, "shipped_schema", broken)
    monkeypatch.setenv("COLUMNS", "200")


def _crash(ca3: Callable[..., Run]) -> Run:
    run = ca3("init")
    assert run.code == 3 and "this is a bug in ca3" in run.text
    assert CHAINED not in run.err and "OSError" not in run.err
    return run


def test_no_writable_folder_prints_the_traceback_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           crashing: None, ca3: Callable[..., Run]) -> None:
    with tmpfs(tmp_path / "full", "64k") as full:
        fill(full)
        monkeypatch.setattr(tempfile, "tempdir", str(full))
        with tmpfs(tmp_path / "project", "64k") as project:
            monkeypatch.chdir(project)
            (project / "ca3.yaml").write_text("namespace: demo\n")
            remount_read_only(project)
            run = _crash(ca3)
    assert "no crash report could be written" in run.text
    assert "Traceback" in run.err and "RuntimeError: a bug" in run.err


def remount_read_only(folder: Path) -> None:
    """Make the mounted `folder` read-only from now on (the project is on a disk that cannot be written)."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)


def test_a_full_run_logs_disk_falls_back_to_the_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 crashing: None, ca3: Callable[..., Run]) -> None:
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    with tmpfs(tmp_path / "project", "128k") as project:
        monkeypatch.chdir(project)
        (project / "ca3.yaml").write_text("namespace: demo\n")
        (project / "run_logs").mkdir()
        fill(project)
        run = _crash(ca3)
        assert list((project / "run_logs").iterdir()) == []
    [report] = spare.glob("ca3-crash-*.log")
    assert f"the traceback is in {report}" in run.text and "RuntimeError: a bug" in report.read_text()


def test_a_run_logs_link_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crashing: None,
                                         ca3: Callable[..., Run]) -> None:
    home, spare, project = tmp_path / "home", tmp_path / "spare", tmp_path / "project"
    for folder in (home, spare, project):
        folder.mkdir()
    (home / "notes.txt").write_text("mine\n")
    (project / "run_logs").symlink_to(home)
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    monkeypatch.chdir(project)
    before = snapshot(home)
    _crash(ca3)
    assert snapshot(home) == before and len(list(spare.glob("ca3-crash-*.log"))) == 1


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EDQUOT])
def test_a_disk_error_outside_the_file_door_is_a_sentence(code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          ca3: Callable[..., Run]) -> None:
    def full() -> str:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(config_file, "shipped_schema", full)
    monkeypatch.chdir(tmp_path)
    run = ca3("init")
    assert run.code == 2
    assert f"ca3 could not go on because {os.strerror(code).lower()}" in one_sentence(run)
    assert not (tmp_path / "run_logs").exists()  # no crash report: this is no bug
