"""Test plugins shared by the whole suite: the stand-in kubectl, real local servers, and the real apps on them.

Registered once here so each session-scoped server (Tansu, VictoriaMetrics, Prometheus, stunnel) starts at most once.
"""

pytest_plugins: list[str] = ["pytester", "tests.fixtures.kubectl", "tests.fixtures.servers", "tests.fixtures.pipeline"]
