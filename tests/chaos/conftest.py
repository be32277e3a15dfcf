"""The cluster-edge fixtures (a project folder, the CLI run in-process) shared with tests/cluster."""

from tests.cluster.conftest import ca3, project  # noqa: F401 - re-exported as fixtures
