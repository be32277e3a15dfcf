"""Nothing a user types can add structure to a rendered manifest: every string setting is tried with YAML, Jinja and
quoting payloads, and each is either refused by the model (exit 2, naming the key) or lands as an inert string,
with every rendered document (and every YAML/JSON file inside a ConfigMap) holding exactly the fields it holds with
the defaults."""

from __future__ import annotations

import functools
import json
import re
import typing
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from ca3cli.core import registry, render, settings, template_values
from ca3cli.core.errors import ConfigError
from ca3cli.core.settings_env import merge
from ca3cli.core.yaml_scalar import yaml_scalar

HOSTILE = (
    "x\nevil: true", "x\r\nevil: true", 'x"', "x'", "{{ 7*7 }}", "{% raw %}", "x #comment", "#x", "x: y", "- x",
    "-x", "x\u2028evil: true", "x\u2029y", "x\u0085y", "x\ty", " x", "x ", "---\nevil: true", "[x]", "{x: y}",
    "*alias", "&anchor x", "!!python/name:os.system", "x\\", "$(touch /tmp/pwned)", "`id`", "x;y",
)
# Values some grammars accept that YAML would read as another type if they were pasted into a manifest unquoted
# (1e3 is a float to Kubernetes' go-yaml, though PyYAML reads it as text).
LOOKALIKES = ("no", "true", "null", "1:30", "1e3", "0x1f", "010")
PROOF = ("x\nevil: true", "#x", "[x]", "{x: y}", "no", "true", "null", "1:30", "0x1f", "010")


def _leaf_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    keys = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _leaf_keys(annotation, (*prefix, name))
        elif annotation is str or typing.get_origin(annotation) is typing.Literal:
            keys.append((*prefix, name))
    return keys


STRING_KEYS = _leaf_keys(settings.Settings)


def _nested(key: tuple[str, ...], value: Any) -> dict[str, Any]:
    return {key[0]: value} if len(key) == 1 else {key[0]: _nested(key[1:], value)}


def _flatten(value: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Every leaf of a document by path; YAML and JSON files inside a ConfigMap are opened and flattened too."""
    if isinstance(value, dict):
        leaves: dict[tuple[Any, ...], Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and isinstance(key, str) and key.endswith((".yaml", ".yml", ".json")):
                item = json.loads(item) if key.endswith(".json") else yaml.safe_load(item)
            leaves |= _flatten(item, (*path, key))
        return leaves or {path: {}}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, (*path, i)).items()} or {path: []}
    return {path: value}


def _documents(chosen: settings.Settings) -> dict[tuple[str, int], dict[tuple[Any, ...], Any]]:
    return {(str(m.path), i): _flatten(doc)
            for m in render.render(chosen, template_values.placeholders(), registry.HIGHEST)
            for i, doc in enumerate(m.documents)}


TLS = {"tls-off": {"tls": {"influxdb": False, "kafka": False}}, "tls-on": {}}
# Settings whose default is empty switch a field on when set, so every baseline sets them to a plain value.
BENIGN = {"cluster": {"storage_class": "standard", "context": "kind-ca3"}}


def _base(tls: str) -> dict[str, Any]:
    return merge(BENIGN, TLS[tls])


@functools.cache
def _baseline(tls: str) -> dict[tuple[str, int], dict[tuple[Any, ...], Any]]:
    return _documents(settings.parse(_base(tls)))


def _refusal_checked(raw: dict[str, Any], key: tuple[str, ...], value: str) -> settings.Settings | None:
    """The settings with `value` at `key`, or None after checking the refusal (exit 2) names the key or, when a rule
    with another key refuses it, shows the value; and that no line break the user typed reaches the terminal raw."""
    try:
        return settings.parse(merge(raw, _nested(key, value)))
    except ConfigError as exc:
        message = str(exc)
        assert exc.exit_code == 2, message
        assert f"`{'.'.join(key)}`" in message or repr(value) in message, message
        assert "\n" not in message and "\u2028" not in message and "\x85" not in message, message
        return None


HASHED_JOB_NAME = re.compile(r"kafka-topic-create-[0-9a-f]{10}")


def _hash_of_changed_input(path: tuple[Any, ...], leaf: Any) -> bool:
    """Leaves that are checksums of what changed: a checksum annotation, and the topic Job's hashed name."""
    return str(path[-1]).startswith("checksum/") or (
        path == ("metadata", "name") and isinstance(leaf, str) and HASHED_JOB_NAME.fullmatch(leaf) is not None)


def _assert_inert(value: str, chosen: settings.Settings, tls: str) -> None:
    """Same documents, same fields in each; every changed leaf is a string that carries the value verbatim (or a
    checksum of a changed input)."""
    rendered, baseline = _documents(chosen), _baseline(tls)
    assert rendered.keys() == baseline.keys(), value
    for where, leaves in rendered.items():
        assert leaves.keys() == baseline[where].keys(), (value, where)
        for path, leaf in leaves.items():
            if leaf != baseline[where][path] and not _hash_of_changed_input(path, leaf):
                assert isinstance(leaf, str) and value in leaf, (value, where, path, leaf)


def test_every_string_setting_is_covered_and_the_payloads_would_break_pasted_yaml() -> None:
    assert len(STRING_KEYS) >= 25 and ("influxdb", "org") in STRING_KEYS and ("cluster", "context") in STRING_KEYS
    assert set(PROOF) <= set(HOSTILE) | set(LOOKALIKES)
    for payload in PROOF:
        assert yaml.safe_load(f"k: {payload}") != {"k": payload}, f"{payload!r} pasted is harmless; it proves nothing"
        assert yaml.safe_load(f"k: {yaml_scalar(payload)}") == {"k": payload}


@pytest.mark.parametrize("tls", list(TLS))
@pytest.mark.parametrize("key", STRING_KEYS, ids=[".".join(k) for k in STRING_KEYS])
def test_hostile_value_in_a_string_setting_is_refused_or_lands_as_an_inert_string(key: tuple[str, ...],
                                                                                  tls: str) -> None:
    for payload in HOSTILE:
        chosen = _refusal_checked(_base(tls), key, payload)
        if chosen is not None:
            _assert_inert(payload, chosen, tls)


@pytest.mark.parametrize("tls", list(TLS))
@pytest.mark.parametrize("payload", LOOKALIKES)
def test_yaml_lookalike_in_every_string_setting_that_accepts_it_stays_a_string_in_every_manifest(
        payload: str, tls: str) -> None:
    raw, accepted = _base(tls), []
    for key in STRING_KEYS:  # set it everywhere the model allows, all at once: one render checks every place
        chosen = _refusal_checked(raw, key, payload)
        if chosen is not None:
            raw = merge(raw, _nested(key, payload))
            accepted.append(key)
    assert ("influxdb", "org") in accepted or ("images", "kafka") in accepted, "the payload reached no manifest"
    _assert_inert(payload, settings.parse(raw), tls)
