"""Rendering shortcuts for the observability tests."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from ca3cli.core import render, settings, template_values
from ca3cli.core.render import Manifest


@cache
def rendered(milestone: int, agent: str = "promtail", image_renderer: bool = False) -> dict[str, Manifest]:
    """Manifests of milestones 1..milestone by file name (rendering is slow-ish, so each variant is made once)."""
    chosen = settings.parse({"observability": {"log_agent": agent, "image_renderer": image_renderer}})
    return {m.path.name: m for m in render.render(chosen, template_values.placeholders(), milestone)}


def config_text(manifests: dict[str, Manifest], file: str, key: str) -> str:
    """The text of `key` in the ConfigMap rendered into `file`."""
    return manifests[file].documents[0]["data"][key]


def config(manifests: dict[str, Manifest], file: str, key: str) -> Any:
    """The YAML document held in `key` of the ConfigMap rendered into `file`."""
    return yaml.safe_load(config_text(manifests, file, key))


def objects(manifests: dict[str, Manifest], kind: str) -> dict[str, dict[str, Any]]:
    """Every rendered object of `kind`, by name."""
    return {doc["metadata"]["name"]: doc for m in manifests.values() for doc in m.documents if doc["kind"] == kind}
