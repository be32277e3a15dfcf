"""Test plugins shared by the whole suite: the stand-in kubectl, real local servers, and the real apps on them.

Registered once here so each session-scoped server (Tansu, VictoriaMetrics, Prometheus, stunnel) starts at most once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest_plugins: list[str] = ["pytester", "tests.fixtures.kubectl", "tests.fixtures.servers", "tests.fixtures.pipeline"]


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands the suite runs keep their compiled templates in a folder of the session, not the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield
