"""Make the in-process CLI runner, the project folder and the stand-in cluster of the cluster tests visible to the
observability tests."""

from tests.cluster.conftest import ca3, cluster, project  # noqa: F401  (fixtures: `ca3 ARGS`, a project, the cluster)
from tests.handin.test_evidence_browser import prometheus_with_a_target  # noqa: F401  (fixture: a real Prometheus)
