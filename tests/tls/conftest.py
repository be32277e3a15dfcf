"""The cluster-edge fixtures (a project after `ca3 init`, the CLI in-process, the stand-in kubectl answering a
healthy deploy) shared with tests/cluster, plus `ca3 certs` already run in that project."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.core.settings import Settings
from ca3cli.operations.certs import objects, store
from tests.cluster.conftest import Project, Run, apps, ca3, cluster, project

__all__ = ["Project", "Run", "apps", "ca3", "certified", "cluster", "project"]

Ca3 = Callable[..., Run]


@pytest.fixture
def certified(project: Project, ca3: Ca3) -> list[str]:
    """`ca3 certs` run in the project; returns every private key it keeps (what must never leak)."""
    result = ca3("certs")
    assert result.code == 0, result.text
    return objects.key_texts(store.folder_for(project.path / "ca3.yaml"), Settings())
