"""Fixtures for the validate tests: the in-process CLI runner of the cluster tests and a Probe bound to the
stand-in kubectl (the real local servers come from tests/fixtures/servers.py, a plugin of the root conftest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ca3cli.core.settings import Settings
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.validate.probe import Probe
from tests.cluster.conftest import ca3, project  # noqa: F401  (in-process `ca3 ARGS`, a project folder)
from tests.validate.kube_objects import NS

MakeProbe = Callable[..., Probe]


@pytest.fixture
def make_probe() -> Iterator[MakeProbe]:
    """`make_probe(milestone)`: a Probe on the stand-in kubectl with default settings."""
    made: list[Probe] = []

    def make(milestone: int = 9, settings: Settings | None = None) -> Probe:
        made.append(Probe(Kubectl(namespace=NS), settings or Settings(), milestone))
        return made[-1]

    yield make
    for probe in made:
        probe.close()
