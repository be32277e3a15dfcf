"""Check rendered Grafana, Loki, Promtail, Prometheus and Alloy configurations against the keys their docs define.

A misspelt key is usually ignored silently or only fails at start-up inside the cluster; here it fails at render
time. The documented keys live in documented-keys.json, taken from each project's configuration reference at the
pinned version (the `source` of each entry says which file at which tag).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, TypedDict

import yaml

from ca3cli.core.configkeys.alloy import unknown_alloy_names

KEYS_FILE = "documented-keys.json"  # package data next to this module
YAML_KINDS = ("loki", "promtail", "grafana-datasources", "grafana-dashboards", "prometheus")


class Documented(TypedDict):
    """One configuration kind's entry: where its keys were taken from, and the key names allowed at each path."""

    source: str
    keys: dict[str, Any]  # YAML kinds: {path: [names]}; alloy: {component: {block: [names]}}


@cache
def documented() -> dict[str, Documented]:
    """The documented keys per configuration kind (package data ca3 ships, so its shape is trusted)."""
    found: dict[str, Documented] = json.loads(resources.files(__package__).joinpath(KEYS_FILE).read_text())
    return found


def _mappings_at(node: Any, path: list[str]) -> Iterator[dict[str, Any]]:
    """Every mapping reached by following `path` (lists are walked through, so list items are checked too)."""
    if isinstance(node, list):
        for item in node:
            yield from _mappings_at(item, path)
    elif isinstance(node, dict):
        if not path:
            yield node
        elif path[0] in node:
            yield from _mappings_at(node[path[0]], path[1:])


def unknown_keys(kind: str, text: str) -> list[str]:
    """Keys in the `kind` configuration `text` that its docs do not define, as `path.key` strings."""
    if kind == "alloy":
        return unknown_alloy_names(text, documented()["alloy"]["keys"])
    if kind not in YAML_KINDS:
        raise ValueError(f"unknown configuration kind {kind!r}")
    document = yaml.safe_load(text)
    problems = []
    for path, allowed in documented()[kind]["keys"].items():
        steps = path.split(".") if path else []
        for mapping in _mappings_at(document, steps):
            problems += [".".join([*steps, key]) for key in mapping if key not in allowed]
    return sorted(set(problems))
