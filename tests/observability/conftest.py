"""Make the real-server and real-app fixtures, and the in-process CLI runner, visible to the observability tests."""

from tests.cluster.conftest import ca3  # noqa: F401  (the in-process `ca3 ARGS` runner)
from tests.fixtures.pipeline import running_pipeline  # noqa: F401
from tests.fixtures.servers import servers_dir, tansu, victoria_metrics  # noqa: F401
