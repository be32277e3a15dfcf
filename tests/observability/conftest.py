"""Make the real-server and real-app fixtures visible here until tests/conftest.py registers them as plugins."""

from tests.fixtures.pipeline import running_pipeline  # noqa: F401
from tests.fixtures.servers import servers_dir, tansu, victoria_metrics  # noqa: F401
