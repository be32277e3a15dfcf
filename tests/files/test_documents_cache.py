"""ca3cli/edges/documents_cache.py with render.Documents: a text parsed before is read back from the user's cache
with the same documents, as new objects, and without parsing; no secret value, Secret or document JSON cannot carry
is ever kept, and a line that does not read back is parsed again."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.edges import documents_cache

Rendering = Callable[[Mapping[str, str]], list[render.Manifest]]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text PyYAML parses from now on."""
    parsed: list[str] = []
    real = render._parse
    monkeypatch.setattr(render, "_parse", lambda text: parsed.append(text) or real(text))
    return parsed


@pytest.fixture
def rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rendering]:
    """`rendering(values)`: milestone 9 rendered as a new process would, its documents kept under tmp_path."""

    def run(values: Mapping[str, str]) -> list[render.Manifest]:
        documents = render.Documents()
        documents_cache.attach(documents, {"XDG_CACHE_HOME": str(tmp_path)})
        monkeypatch.setattr(render, "documents", lambda: documents)
        return render.render(Settings(), values, registry.HIGHEST)

    yield run


def _kept(tmp_path: Path) -> str:
    return "".join(path.read_text() for path in (tmp_path / "ca3" / documents_cache.FOLDER).iterdir())


def test_a_second_render_reads_the_kept_documents_back_equal_without_parsing(
        rendering: Rendering, parses: list[str], tmp_path: Path) -> None:
    values = template_values.placeholders()
    first = rendering(values)
    parsed_first = len(parses)
    assert {m.text for m in first} <= set(parses)  # with nothing kept yet, every text is parsed
    second = rendering(values)
    reparsed = parses[parsed_first:]
    assert [m.documents for m in second] == [m.documents for m in first]
    assert [m.text for m in second] == [m.text for m in first]
    # only the texts never kept are parsed again: those holding a placeholder secret value or a Secret
    assert 0 < len(reparsed) < parsed_first // 4
    assert all(any(v in text for v in values.values() if v) or "kind: Secret" in text for text in reparsed)


def test_no_secret_value_and_no_secret_is_kept(rendering: Rendering, tmp_path: Path) -> None:
    values = {**template_values.placeholders(), "influxdb_admin_token": "t0ken-only-in-secrets-d41d8cd98f00b204"}
    manifests = rendering(values)
    assert any(values["influxdb_admin_token"] in m.text for m in manifests)
    kept = _kept(tmp_path)
    assert kept.count("\n") > 20
    assert values["influxdb_admin_token"] not in kept and '"kind":"Secret"' not in kept


def test_documents_read_back_are_new_objects(rendering: Rendering) -> None:
    values = template_values.placeholders()
    rendering(values)
    changed = rendering(values)
    changed[0].documents[0]["metadata"]["name"] = "changed"
    assert rendering(values)[0].documents[0]["metadata"]["name"] != "changed"


class Memory:
    """A DocumentStore in memory: what Documents hands it, and what it answers."""

    def __init__(self, kept: dict[str, str] | None = None) -> None:
        self.kept = dict(kept or {})

    def get(self, key: str) -> str | None:
        return self.kept.get(key)

    def put(self, entries: Mapping[str, str]) -> None:
        self.kept.update(entries)


@pytest.mark.parametrize(("text", "document"), [
    ("day: 2026-12-06\n", {"day": datetime.date(2026, 12, 6)}),
    ("1: one\n", {1: "one"}),
    ("data: !!binary aGk=\n", {"data": b"hi"}),
])
def test_documents_json_cannot_carry_are_parsed_every_time(text: str, document: dict[Any, Any]) -> None:
    documents = render.Documents(Memory())
    assert documents.of(text) == (document,)
    documents.keep()
    assert isinstance(documents.store, Memory) and documents.store.kept == {}


def test_a_line_that_does_not_read_back_is_parsed_again(parses: list[str]) -> None:
    documents = render.Documents(Memory())
    assert documents.of("a: 1\n") == ({"a": 1},)
    documents.keep()
    assert isinstance(documents.store, Memory)
    (key,) = documents.store.kept
    assert documents.of("a: 1\n") == ({"a": 1},) and parses == ["a: 1\n"]
    documents.store.kept[key] = '[{"a": 1'
    assert documents.of("a: 1\n") == ({"a": 1},) and parses == ["a: 1\n", "a: 1\n"]


def test_past_its_limit_the_file_drops_the_texts_no_recent_run_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents_cache, "LIMIT", 3)
    name = documents_cache.FOLDER / "parser"
    keys = {letter: letter * 64 for letter in "abcd"}
    documents_cache.FileStore(tmp_path, name).put({keys[k]: f"[{i}]" for i, k in enumerate("abc")})
    store = documents_cache.FileStore(tmp_path, name)
    assert store.get(keys["a"]) == "[0]"
    store.put({keys["d"]: "[3]"})
    assert documents_cache.FileStore(tmp_path, name).kept == {keys["c"]: "[2]", keys["a"]: "[0]", keys["d"]: "[3]"}
