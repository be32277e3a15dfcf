"""The grammar of an owned path and the record of rendered files, as pure functions."""

from __future__ import annotations

import pytest

from ca3cli.core import owned_paths

HASH = "a" * 64


@pytest.mark.parametrize(("path", "why"), [
    ("kafka/kafka-statefulset.yaml", None), ("namespace.yaml", None), ("tls/generate-kafka-certs.sh", None),
    ("", "is empty"), ("/etc/passwd", "is absolute"), ("../x", "goes up with `..`"), ("a/../../x", "goes up with `..`"),
    ("./x", "is not normalised (an empty part or `.`)"), ("a//x", "is not normalised (an empty part or `.`)"),
    ("a/", "is not normalised (an empty part or `.`)"), ("a\\..\\x", "holds a backslash or a control character"),
    ("a\x00b", "holds a backslash or a control character"), ("x" * 4097, "is longer than 4096 characters"),
])
def test_problem_names_what_is_wrong_with_a_path(path: str, why: str | None) -> None:
    assert owned_paths.problem(path) == why


def test_a_record_round_trips_and_refuses_each_bad_line_by_number() -> None:
    entries: dict[str, str | None] = {"kafka/b.yaml": HASH, "a.yaml": "b" * 64}
    assert owned_paths.parse(owned_paths.text(entries), "rec") == owned_paths.Record(entries)
    mixed = f"{HASH}  ok.yaml\nbare.yaml\n\n{HASH}  /etc/passwd\n/root/.bashrc\n{HASH}  ../x\n"
    record = owned_paths.parse(mixed, "rec")
    assert record.entries == {"ok.yaml": HASH, "bare.yaml": None}
    assert record.refused == ["rec line 4 names '/etc/passwd', which is absolute",
                              "rec line 5 names '/root/.bashrc', which is absolute",
                              "rec line 6 names '../x', which goes up with `..`"]


def test_stale_is_what_the_previous_render_wrote_and_this_one_does_not() -> None:
    assert owned_paths.stale({"a": HASH, "b": None, "c": HASH}, ["a"]) == ["b", "c"]
