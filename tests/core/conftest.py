"""Shared helpers for the core tests: rendered objects at a milestone, and a fresh project folder."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core import lint, render, template_values
from ca3cli.core.objects import KubeObject
from ca3cli.core.settings import Settings
from tests.fixtures.project import clean_environment


@functools.cache
def _rendered_defaults(milestone: int) -> tuple[KubeObject, ...]:
    return tuple(lint.objects(render.render(Settings(), template_values.placeholders(), milestone)))


def rendered(milestone: int) -> list[KubeObject]:
    """The objects `ca3 lint -m N` checks with default settings and placeholder secrets (a private copy)."""
    return [KubeObject.of(copy.deepcopy(o.doc), o.path) for o in _rendered_defaults(milestone)]


def find(objs: list[KubeObject], kind: str, name: str) -> dict[str, Any]:
    """The document of one object, for a test to break."""
    return next(o.doc for o in objs if o.kind == kind and o.name == name)


@pytest.fixture
def baseline() -> list[KubeObject]:
    """A private deep copy of milestone 1's objects, so a test can break one freely."""
    return rendered(1)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder to run ca3 in, with no CA3_* variables leaking in from the environment."""
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path

