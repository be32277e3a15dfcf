"""Test plugins shared by the whole suite: the stand-in kubectl, real local servers, the real apps on them, and a
user cache folder of the session's own.

Registered once here so each session-scoped server (Tansu, VictoriaMetrics, Prometheus, stunnel) starts at most once.
"""

from __future__ import annotations

pytest_plugins: list[str] = ["pytester", "tests.fixtures.kubectl", "tests.fixtures.servers", "tests.fixtures.pipeline",
                             "tests.fixtures.user_cache"]
