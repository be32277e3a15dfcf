"""Scratch projects for the owned-files tests: a git clone holding what a hostile commit can carry (links, records),
a sibling folder standing for the user's home whose every file is hashed before and after, small tmpfs mounts for a
full and a read-only disk, and the check that an error is one sentence."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cluster.conftest import Run, ca3  # noqa: F401  (the CLI in-process, through its real entry point)
from tests.fixtures.project import clean_environment

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry below `folder`: a file's SHA-256, a link's target, a folder as such (nothing followed)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "link " + os.readlink(path)
        elif path.is_dir():
            found[name] = "folder"
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def clone(origin: Path, into: Path) -> Path:
    """Commit everything in `origin` and clone it: the links and records arrive the way a `git clone` brings them."""
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "hostile")
    subprocess.run(["git", "clone", "-q", str(origin), str(into)], check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})
    return into


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A sibling folder of the project standing for the user's own files."""
    folder = tmp_path / "home"
    (folder / ".config").mkdir(parents=True)
    (folder / ".bashrc").write_text("export PATH=$HOME/bin:$PATH\n")
    (folder / ".config" / "app.yaml").write_text("keep: me\n")
    (folder / "notes.txt").write_text("mine\n")
    return folder


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Path], None]], Path]:
    """`scratch(plant)`: a project cloned from a repository `plant` filled, the working folder from then on."""
    clean_environment(monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")

    def make(plant: Callable[[Path], None]) -> Path:
        origin = tmp_path / "origin"
        origin.mkdir()
        plant(origin)
        project = clone(origin, tmp_path / "project")
        monkeypatch.chdir(project)
        return project

    return make


SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


def one_sentence(run: Run) -> str:
    """The error of `run`, checked to be one sentence at the end of stderr (after any progress lines): no traceback,
    no second sentence."""
    assert "Traceback" not in run.err and "OSError" not in run.err, run.err
    text = " ".join(run.err.split())
    assert text.count("error: ") == 1 and text.endswith("."), text
    sentence = text.split("error: ", 1)[1]
    assert SENTENCE_BREAK.search(sentence) is None, sentence
    return sentence


@contextlib.contextmanager
def tmpfs(where: Path, size: str, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted at `where` (root only); skips the test, saying why, where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, f"ca3-test-{uuid.uuid4().hex[:8]}", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'mount failed'}): the full- and "
                    "read-only-disk cases need root with CAP_SYS_ADMIN")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of `folder` to the last page (tmpfs hands out whole pages)."""
    with open(folder / "filler", "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
