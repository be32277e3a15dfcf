"""Until tests/conftest.py registers tests.fixtures.servers and tests.fixtures.pipeline as plugins (the lead's
file), make their fixtures visible to the app tests."""

from tests.fixtures.pipeline import launch_apps, running_pipeline  # noqa: F401
from tests.fixtures.servers import (  # noqa: F401
    kafka_mtls, kafka_tls, servers_dir, start_prometheus, tansu, test_ca, victoria_metrics, victoria_metrics_tls)
