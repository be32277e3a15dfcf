"""The cluster-edge fixtures (a project folder, the CLI run in-process) shared with tests/cluster, the recorded-shape
query APIs of a drill run through the CLI, and the recorded cluster a runner test starts from."""

import pytest

from tests.chaos import answers as a
from tests.chaos import terminal
from tests.chaos.cli_drill import apis, plain_influx  # noqa: F401 - re-exported as fixtures
from tests.cluster.conftest import ca3, project  # noqa: F401 - re-exported as fixtures
from tests.fixtures.kubectl import KubectlStub


@pytest.fixture
def cluster(kubectl_stub: KubectlStub) -> KubectlStub:
    """The namespace (milestone 6), events and (unreachable) logs as recorded; each test registers the pods it goes
    through."""
    kubectl_stub.on("get", "namespace", stdout=a.recorded_namespace())
    kubectl_stub.on("get", "events", stdout=a.recorded_events())
    kubectl_stub.on("logs", stderr=a.logs_unreachable(), returncode=1)
    a.no_pod_watch(kubectl_stub)
    terminal.answer_operator(kubectl_stub)
    return kubectl_stub
