"""`ca3 render` and `ca3 handin` in a clone of a hostile repository: committed links out of the project and
committed records naming files outside it. Every row: exit 2, one sentence naming the link or entry, and not one
byte changed in the sibling folder that stands for the user's home (each file hashed before and after)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ca3cli.core import owned_paths
from tests.files.conftest import Run, one_sentence, snapshot

RECORD = ".ca3-rendered"
BASHRC = "export PATH=$HOME/bin:$PATH\n"  # what the `home` fixture holds, so a record can carry its true hash


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _k8s(origin: Path) -> Path:
    folder = origin / "k8s"
    folder.mkdir(exist_ok=True)
    return folder


def _record(origin: Path, *lines: str) -> None:
    (_k8s(origin) / RECORD).write_text("".join(f"{line}\n" for line in lines))


def _settings(origin: Path) -> None:
    """A ca3.yaml, which marks the folder as a project for the commands that need one (the hand-in)."""
    (origin / "ca3.yaml").write_text("namespace: conveyor-pipeline\n")


@dataclass(frozen=True)
class Case:
    plant: Callable[[Path, Path], None]  # (origin repository, home) -> None
    names: str  # what the refusal sentence must name


RENDER: dict[str, Case] = {
    "a manifest is a link to ~/.bashrc": Case(
        lambda o, h: (_k8s(o) / "namespace.yaml").symlink_to(h / ".bashrc"), "k8s/namespace.yaml is a symbolic link"),
    "a manifest is a dangling link to a new file in ~": Case(
        lambda o, h: (_k8s(o) / "namespace.yaml").symlink_to(h / "new.yaml"), "k8s/namespace.yaml is a symbolic link"),
    "a component folder is a link to ~/.config": Case(
        lambda o, h: (_k8s(o) / "kafka").symlink_to(h / ".config"), "k8s/kafka is a symbolic link"),
    "k8s itself is a link to ~": Case(lambda o, h: (o / "k8s").symlink_to(h), "k8s is a symbolic link"),
    "the record is a link to ~/.bashrc": Case(
        lambda o, h: (_k8s(o) / RECORD).symlink_to(h / ".bashrc"), f"k8s/{RECORD} is a symbolic link"),
    "the record names an absolute path with its true hash": Case(
        lambda o, h: _record(o, f"{_hash(BASHRC)}  {h / '.bashrc'}"), "which is absolute"),
    "the record climbs out with ..": Case(
        lambda o, h: _record(o, f"{_hash(BASHRC)}  ../../home/.bashrc"), "which goes up with `..`"),
    "the record climbs out from a component folder": Case(
        lambda o, h: _record(o, f"{_hash(BASHRC)}  network/../../../home/.bashrc"), "which goes up with `..`"),
    "the record names a file through a linked folder": Case(
        lambda o, h: ((_k8s(o) / "old").symlink_to(h), _record(o, f"{_hash(BASHRC)}  old/.bashrc")),
        "the entry 'old/.bashrc' goes through k8s/old, a link"),
    "the record names a link inside k8s": Case(
        lambda o, h: ((_k8s(o) / "stale.yaml").symlink_to(h / ".bashrc"), _record(o, f"{_hash(BASHRC)}  stale.yaml")),
        "the entry 'stale.yaml' goes through k8s/stale.yaml, a link"),
    "the record names a folder": Case(
        lambda o, h: ((_k8s(o) / "olddir").mkdir(), (_k8s(o) / "olddir" / "keep.txt").write_text("x"),
                      _record(o, f"{_hash('x')}  olddir")), "the entry 'olddir' names a folder"),
    "the record in the format before hashes names an absolute path": Case(
        lambda o, h: _record(o, str(h / ".bashrc")), "which is absolute"),
    "the record is not normalised": Case(
        lambda o, h: _record(o, f"{_hash(BASHRC)}  ./old.yaml"), "which is not normalised"),
    "the record is not UTF-8": Case(
        lambda o, h: (_k8s(o) / RECORD).write_bytes(b"\xff\xfe" + str(h).encode()), "is not UTF-8 text"),
}


def _outside_k8s(project: Path) -> dict[str, str]:
    return {name: value for name, value in snapshot(project).items()
            if not name.startswith(("k8s", ".git/", "run_logs"))}


@pytest.mark.parametrize("case", sorted(RENDER))
def test_render_refuses_a_hostile_clone(case: str, scratch: Callable[[Callable[[Path], None]], Path], home: Path,
                                        ca3: Callable[..., Run]) -> None:
    project = scratch(lambda origin: RENDER[case].plant(origin, home))
    before, project_before = snapshot(home), _outside_k8s(project)
    result = ca3("render", "-m", "1")
    assert result.code == 2, result.text
    assert RENDER[case].names in one_sentence(result)
    assert snapshot(home) == before
    assert _outside_k8s(project) == project_before


HANDIN: dict[str, Case] = {
    "k8s/ carries a record naming ~/.bashrc": Case(
        lambda o, h: _record(o, f"{_hash(BASHRC)}  {h / '.bashrc'}"), "which is absolute"),
    "scripts/ is a link to ~": Case(lambda o, h: (o / "scripts").symlink_to(h), "scripts is a symbolic link"),
    "outputs/ is a link to ~/.config": Case(
        lambda o, h: (o / "outputs").symlink_to(h / ".config"), "outputs is a symbolic link"),
    ".gitignore is a link to ~/.bashrc": Case(
        lambda o, h: (o / ".gitignore").symlink_to(h / ".bashrc"), ".gitignore is a symbolic link"),
}


@pytest.mark.parametrize("case", sorted(HANDIN))
def test_handin_into_the_project_refuses_a_hostile_clone(case: str, scratch: Callable[[Callable[[Path], None]], Path],
                                                         home: Path, ca3: Callable[..., Run]) -> None:
    scratch(lambda origin: (_settings(origin), HANDIN[case].plant(origin, home)))
    before = snapshot(home)
    result = ca3("handin", "-m", "1", "--allow-missing")
    assert result.code == 2, result.text
    assert HANDIN[case].names in one_sentence(result)
    assert snapshot(home) == before


def test_a_stale_file_ca3_wrote_goes_with_its_emptied_folder_and_k8s_stays(
        scratch: Callable[[Callable[[Path], None]], Path], home: Path, ca3: Callable[..., Run]) -> None:
    def plant(origin: Path) -> None:
        (_k8s(origin) / "old" / "deeper").mkdir(parents=True)
        (_k8s(origin) / "old" / "deeper" / "gone.yaml").write_text("kind: Old\n")
        _record(origin, f"{_hash('kind: Old' + chr(10))}  old/deeper/gone.yaml")

    project = scratch(plant)
    result = ca3("render", "-m", "1")
    assert result.code == 0, result.text
    assert "Removed k8s/old/deeper/gone.yaml" in result.text
    assert not (project / "k8s" / "old").exists() and (project / "k8s" / "namespace.yaml").is_file()
    recorded = owned_paths.parse((project / "k8s" / RECORD).read_text(), RECORD)
    assert recorded.refused == [] and "namespace.yaml" in recorded.entries


def test_a_stale_file_changed_since_ca3_wrote_it_is_left_and_said(
        scratch: Callable[[Callable[[Path], None]], Path], ca3: Callable[..., Run]) -> None:
    def plant(origin: Path) -> None:
        (_k8s(origin) / "mine.yaml").write_text("edited by hand\n")
        _record(origin, f"{_hash('what ca3 wrote' + chr(10))}  mine.yaml")

    project = scratch(plant)
    result = ca3("render", "-m", "1")
    assert result.code == 0, result.text
    assert "Left k8s/mine.yaml in place: it changed since ca3 wrote it" in result.text
    assert (project / "k8s" / "mine.yaml").read_text() == "edited by hand\n"


def test_a_stale_file_named_by_a_record_without_hashes_is_left_and_said(
        scratch: Callable[[Callable[[Path], None]], Path], ca3: Callable[..., Run]) -> None:
    def plant(origin: Path) -> None:
        (_k8s(origin) / "old.yaml").write_text("kind: Old\n")
        _record(origin, "old.yaml", "namespace.yaml")  # as ca3 wrote it before the hashes

    project = scratch(plant)
    result = ca3("render", "-m", "1")
    assert result.code == 0, result.text
    assert "Left k8s/old.yaml in place: the record of an earlier ca3 names it without the hash" in result.text
    assert (project / "k8s" / "old.yaml").read_text() == "kind: Old\n"


def test_a_stale_entry_whose_file_vanished_is_passed_over(
        scratch: Callable[[Callable[[Path], None]], Path], ca3: Callable[..., Run]) -> None:
    project = scratch(lambda origin: _record(origin, f"{_hash('gone' + chr(10))}  kafka/gone.yaml"))
    result = ca3("render", "-m", "1")
    assert result.code == 0, result.text
    assert "Removed" not in result.text and "in place" not in result.text
    assert "kafka/gone.yaml" not in (project / "k8s" / RECORD).read_text()


def test_a_lower_milestone_removes_what_the_higher_one_wrote(
        scratch: Callable[[Callable[[Path], None]], Path], ca3: Callable[..., Run]) -> None:
    project = scratch(lambda origin: (origin / "README.md").write_text("project\n"))
    assert ca3("render", "-m", "3").code == 0
    higher = set(snapshot(project / "k8s"))
    result = ca3("render", "-m", "1")
    lower = set(snapshot(project / "k8s"))
    assert result.code == 0 and lower < higher
    assert result.text.count("Removed ") == len({n for n in higher - lower if n.endswith(".yaml")})


def test_handin_elsewhere_does_not_copy_a_linked_output_into_the_submission(
        scratch: Callable[[Callable[[Path], None]], Path], home: Path, tmp_path: Path,
        ca3: Callable[..., Run]) -> None:
    def plant(origin: Path) -> None:
        _settings(origin)
        (origin / "outputs").mkdir()
        (origin / "outputs" / "validation-report.xml").symlink_to(home / ".config" / "app.yaml")

    scratch(plant)
    before = snapshot(home)
    result = ca3("handin", "-m", "1", "--allow-missing", "--out", str(tmp_path / "submission"))
    assert "Traceback" not in result.err, result.err  # the link is passed over (the copy takes regular files only)
    assert snapshot(home) == before
    assert not (tmp_path / "submission" / "outputs" / "validation-report.xml").exists()
