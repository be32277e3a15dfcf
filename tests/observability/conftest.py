"""Make the in-process CLI runner of the cluster tests visible to the observability tests."""

from tests.cluster.conftest import ca3  # noqa: F401  (the in-process `ca3 ARGS` runner)
