"""ca3cli/edges/files.py, the one door for files: inside the owned folder, never through a link, whole or not at
all, and every failure one sentence. Each table row plants one thing in a scratch folder beside a sibling whose every
file is hashed before and after."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from ca3cli.core.errors import FileError
from ca3cli.edges import files
from tests.files.conftest import SENTENCE_BREAK, fill, snapshot, tmpfs


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _sentence(error: FileError) -> str:
    text = str(error)
    assert text.endswith(".") and SENTENCE_BREAK.search(text) is None, text
    return text


@pytest.fixture
def owned(tmp_path: Path) -> Path:
    folder = tmp_path / "owned"
    (folder / "kafka").mkdir(parents=True)
    (folder / "kafka" / "old.yaml").write_text("old\n")
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    (folder / "sub").mkdir(parents=True)
    (folder / "bashrc").write_text("mine\n")
    (folder / "sub" / "file.txt").write_text("also mine\n")
    return folder


# (what is planted, the path written below `owned`, the link or thing the refusal names)
LINKS: dict[str, tuple[Callable[[Path, Path], None], str, str]] = {
    "the file is a link to a file outside": (
        lambda o, x: (o / "kafka" / "a.yaml").symlink_to(x / "bashrc"), "kafka/a.yaml", "kafka/a.yaml"),
    "the file is a dangling link to a new file outside": (
        lambda o, x: (o / "kafka" / "a.yaml").symlink_to(x / "new.txt"), "kafka/a.yaml", "kafka/a.yaml"),
    "a folder on the way is a link outside": (
        lambda o, x: (o / "grafana").symlink_to(x / "sub"), "grafana/file.txt", "grafana"),
    "a deeper folder on the way is a link outside": (
        lambda o, x: (o / "kafka" / "deep").symlink_to(x), "kafka/deep/sub/file.txt", "kafka/deep"),
    "the owned folder itself is a link": (
        lambda o, x: (o.rename(o.with_name("real")), o.symlink_to(x)), "bashrc", "owned"),
    "a link to a folder inside, the file beyond it": (
        lambda o, x: (o / "alias").symlink_to(o / "kafka"), "alias/old.yaml", "alias"),
}


@pytest.mark.parametrize("case", sorted(LINKS))
@pytest.mark.parametrize("action", ["write", "update", "append", "open_new", "remove", "read", "read_private",
                                    "set_mode"])
def test_nothing_is_written_read_or_removed_through_a_link(case: str, action: str, owned: Path,
                                                           outside: Path) -> None:
    plant, relative, link = LINKS[case]
    plant(owned, outside)
    before = snapshot(outside)
    doors: dict[str, Callable[[], object]] = {
        "write": lambda: files.write(owned, relative, "x"), "update": lambda: files.update(owned, relative, "x"),
        "append": lambda: files.append(owned, relative, "x"),
        "open_new": lambda: files.open_new(owned, relative), "remove": lambda: files.remove(owned, relative),
        "read": lambda: files.read(owned, relative),
        "read_private": lambda: files.read(owned, relative, private=True),
        "set_mode": lambda: files.set_mode(owned, relative, 0o600)}
    with pytest.raises(FileError) as refused:
        doors[action]()
    assert f"{owned / link if link != 'owned' else owned} is a symbolic link" in _sentence(refused.value)
    assert snapshot(outside) == before


PATHS = {"absolute": "/etc/passwd", "up": "../outside/bashrc", "up inside": "kafka/../../outside/bashrc",
         "dot": "./kafka/old.yaml", "empty part": "kafka//old.yaml", "backslash": "kafka\\old.yaml",
         "newline": "kafka/old\n.yaml", "empty": ""}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_a_path_that_is_not_plain_and_relative_is_refused(name: str, owned: Path, outside: Path) -> None:
    before, inside = snapshot(outside), snapshot(owned)
    for door in (lambda: files.write(owned, PATHS[name], "x"), lambda: files.remove(owned, PATHS[name])):
        with pytest.raises(FileError) as refused:
            door()
        assert "refused to touch a path outside its folder" in _sentence(refused.value)
    assert (snapshot(outside), snapshot(owned)) == (before, inside)


@pytest.mark.parametrize(("plant", "target", "words"), [
    (lambda o: (o / "kafka" / "a.yaml").mkdir(), "kafka/a.yaml", "is not a file"),
    (lambda o: os.mkfifo(o / "kafka" / "a.yaml"), "kafka/a.yaml", "is not a file"),
    (lambda o: (o / "grafana").write_text("a file"), "grafana/a.yaml", "is not a folder"),
], ids=["a folder", "a fifo", "a file where a folder goes"])
def test_something_else_in_the_way_is_refused(plant: Callable[[Path], None], target: str, words: str,
                                              owned: Path) -> None:
    plant(owned)
    with pytest.raises(FileError) as refused:
        files.write(owned, target, "x")
    assert words in _sentence(refused.value)


def test_a_write_replaces_the_file_whole_with_its_mode(owned: Path) -> None:
    old = owned / "kafka" / "old.yaml"
    old.chmod(0o666)
    inode = old.stat().st_ino
    files.write(owned, "kafka/old.yaml", "new\n", mode=files.PRIVATE_FILE)
    assert old.read_text() == "new\n" and _mode(old) == 0o600
    assert old.stat().st_ino != inode  # a new file renamed over the old one, not the old one rewritten
    assert sorted(p.name for p in (owned / "kafka").iterdir()) == ["old.yaml"]  # no temporary file left


def test_an_update_leaves_a_file_that_holds_the_same_alone_and_replaces_any_other(owned: Path) -> None:
    old = owned / "kafka" / "old.yaml"
    kept = old.stat()
    assert files.update(owned, "kafka/old.yaml", "old\n", mode=_mode(old)) is False
    assert (old.stat().st_ino, old.stat().st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    for data, mode in (("new\n", _mode(old)), ("new\n", 0o600), ("longer text\n", 0o600)):
        assert files.update(owned, "kafka/old.yaml", data, mode=mode) is True
        assert (old.read_text(), _mode(old)) == (data, mode) and old.stat().st_ino != kept.st_ino  # replaced
        kept = old.stat()
    assert files.update(owned, "kafka/fresh.yaml", "x") is True and (owned / "kafka" / "fresh.yaml").read_text() == "x"


@pytest.mark.parametrize("loose", ["owned", "owned/kafka", "owned/kafka/old.yaml"])
def test_a_private_read_refuses_what_others_can_write(loose: str, owned: Path) -> None:
    for path in (owned, owned / "kafka", owned / "kafka" / "old.yaml"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    assert files.read(owned, "kafka/old.yaml", private=True) == b"old\n"
    (owned.parent / loose).chmod(0o777 if (owned.parent / loose).is_dir() else 0o622)
    assert files.read(owned, "kafka/old.yaml") == b"old\n"
    with pytest.raises(FileError) as refused:
        files.read(owned, "kafka/old.yaml", private=True)
    assert f"{owned.parent / loose} belongs to another user or others can write to it" in _sentence(refused.value)


def test_private_folders_are_set_on_every_write(owned: Path) -> None:
    (owned / "kafka").chmod(0o755)
    files.write(owned, "kafka/deeper/s.yaml", "x", mode=files.PRIVATE_FILE, folder_mode=files.PRIVATE_FOLDER)
    assert (_mode(owned / "kafka"), _mode(owned / "kafka" / "deeper")) == (0o700, 0o700)
    files.private_folder(owned / "fresh")
    assert _mode(owned / "fresh") == 0o700


def test_remove_takes_emptied_folders_up_to_but_never_the_owned_folder(owned: Path) -> None:
    files.write(owned, "a/b/c.txt", "x")
    files.write(owned, "a/keep.txt", "x")
    assert files.remove(owned, "a/b/c.txt") == [owned / "a" / "b" / "c.txt", owned / "a" / "b"]
    assert (owned / "a" / "keep.txt").is_file()
    assert files.remove(owned, "a/keep.txt") == [owned / "a" / "keep.txt", owned / "a"]
    files.write(owned, "only.txt", "x")
    (owned / "kafka" / "old.yaml").unlink()
    (owned / "kafka").rmdir()
    assert files.remove(owned, "only.txt") == [owned / "only.txt"] and owned.is_dir()


def test_look_names_what_is_there_without_following(owned: Path, outside: Path) -> None:
    (owned / "out").symlink_to(outside)
    assert files.look(owned, "kafka/old.yaml").kind == "file"
    assert files.look(owned, "kafka").kind == "folder"
    assert files.look(owned, "kafka/none").kind == "missing"
    assert files.look(owned, "out/bashrc") == files.Found("link", where=owned / "out")


def test_a_full_disk_leaves_the_old_file_and_says_so(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        files.write(disk, "secret", "old-value", mode=files.PRIVATE_FILE)
        fill(disk)
        with pytest.raises(FileError) as refused:
            files.write(disk, "secret", "x" * 20_000, mode=files.PRIVATE_FILE)
        assert _sentence(refused.value) == (f"Cannot write {disk / 'secret'} because the disk is full: free some "
                                            "space, then run the command again.")
        assert (disk / "secret").read_text() == "old-value"
        assert not [p for p in disk.iterdir() if p.name.endswith(files.TEMP_SUFFIX)]


@pytest.mark.parametrize("door", ["write", "append", "folder"])
def test_a_read_only_disk_is_a_sentence(door: str, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k", read_only=True) as disk:
        with pytest.raises(FileError) as refused:
            {"write": lambda: files.write(disk, "a/b.txt", "x"), "append": lambda: files.append(disk, "log", "x"),
             "folder": lambda: files.folder(disk, "outputs")}[door]()
        assert "because its file system is read-only: choose a folder on a writable disk" in _sentence(refused.value)


def test_a_vanished_working_folder_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(FileError) as refused:
        files.write(Path("run_logs"), "x.log", "x")
    assert "run_logs because it (or its folder) vanished while ca3 was using it" in _sentence(refused.value)


def test_permission_denied_is_a_sentence(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root is never denied by file permissions; the mapping is checked with a made-up error below")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(FileError) as refused:
        files.write(locked, "x.txt", "x")
    assert "because permission was denied" in _sentence(refused.value)


@pytest.mark.parametrize(("code", "words"), [
    (errno.EACCES, "because permission was denied: check the folder's owner and permissions"),
    (errno.EDQUOT, "because the disk quota is used up: free some space"),
    (errno.EIO, "because Input/output error: check that path"),
])
def test_each_system_failure_reads_as_a_sentence(code: int, words: str) -> None:
    assert words in _sentence(files.failure(OSError(code, os.strerror(code)), Path("k8s/a.yaml")))


def test_a_write_a_kill_interrupted_is_never_committed() -> None:
    from ca3cli.edges import gitignore

    assert f"*{files.TEMP_SUFFIX}" in gitignore.ENTRIES
