"""user_cache.Entries, the one keyed-line file the verdicts and parsed manifests are kept in: a line that does not
match `<sha256> <value>` is dropped, keys with no value read back, and a run that added nothing leaves the file as it
was (reads alone never rewrite it)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ca3cli.edges import user_cache

NAME = PurePosixPath("test") / "entries"
A, B = "a" * 64, "b" * 64


def test_entries_with_and_without_values_read_back_and_a_broken_line_is_dropped(tmp_path: Path) -> None:
    written = user_cache.Entries(tmp_path, NAME)
    written.add({A: "1 2", B: ""})
    written.save(10)
    path = tmp_path / "ca3" / NAME
    path.write_text(path.read_text() + "not a key line\n")
    assert user_cache.Entries(tmp_path, NAME).kept == {A: "1 2", B: ""}


def test_a_run_that_adds_nothing_known_already_leaves_the_file_alone(tmp_path: Path) -> None:
    first = user_cache.Entries(tmp_path, NAME)
    first.add({A: "x"})
    first.save(10)
    path = tmp_path / "ca3" / NAME
    path.write_text(path.read_text() + "# a line only a rewrite would drop\n")
    again = user_cache.Entries(tmp_path, NAME)
    assert again.get(A) == "x"
    again.add({A: "x"})
    again.save(10)
    assert path.read_text().endswith("# a line only a rewrite would drop\n")
