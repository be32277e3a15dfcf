"""`ca3 deploy -m 5` through the stand-in kubectl: observability components are applied after what they need and
each is waited for (polled until Current) before anything that depends on it."""

from __future__ import annotations

import pytest

from tests.cluster.conftest import WAITED_KINDS, Project
from tests.cluster.recorded import recorded
from tests.fixtures.kubectl import KubectlStub


def events(stub: KubectlStub) -> list[str]:
    """`apply <kinds/names>` for each apply (from the manifests on stdin) and `wait <object>` for each wait."""
    found = []
    for call in stub.calls:
        if call.words[0] == "apply":
            found.append("apply " + " ".join(line.split(": ", 1)[1] for line in (call.stdin or "").splitlines()
                                             if line.startswith("  name: ")))
        elif call.words[0] == "get" and call.words[1] in WAITED_KINDS:
            found.append(f"wait {call.words[1]}/{call.words[2]}")
    return found


def first(events_: list[str], needle: str) -> int:
    return next(i for i, event in enumerate(events_) if needle in event)


@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_deploy_waits_for_each_observability_component_before_its_dependents(project: Project, cluster: KubectlStub,
                                                                             ca3, agent):
    (project.path / "ca3.yaml").write_text((project.path / "ca3.yaml").read_text() +
                                           f"observability:\n  log_agent: {agent}\n")
    result = ca3("deploy", "-m", "5")
    assert result.code == 0, result.text
    seen = events(cluster)
    waited = [e.removeprefix("wait ") for e in seen if e.startswith("wait ")]
    for workload in ("deployment/grafana", "deployment/prometheus", "deployment/kafka-exporter", "deployment/loki",
                     f"daemonset/{agent}"):
        assert workload in waited
    assert f"daemonset/{'alloy' if agent == 'promtail' else 'promtail'}" not in waited
    assert first(seen, "wait deployment/prometheus") < first(seen, "kafka-exporter")
    assert first(seen, "wait deployment/loki") < first(seen, f"{agent}-config")
    assert first(seen, "wait statefulset/influxdb") < first(seen, "grafana-datasources")
    assert first(seen, "wait statefulset/kafka") < first(seen, "kafka-exporter")


def test_a_log_agent_that_never_becomes_ready_fails_the_deploy(project: Project, cluster: KubectlStub, ca3):
    cluster.on("get", "daemonset", "promtail",
               stdout=recorded("podsecurity-enforce-baseline-get-daemonset-promtail.json"))
    cluster.on("get", "pods", stdout='{"apiVersion": "v1", "kind": "List", "items": []}')
    cluster.on("get", "events", stdout=recorded("podsecurity-enforce-baseline-get-events.json"))
    result = ca3("deploy", "-m", "5")
    assert result.code != 0
    assert "daemonset/promtail cannot become ready: DaemonSet promtail FailedCreate: " in result.text
    assert 'is forbidden: violates PodSecurity "baseline:latest": hostPath volumes' in result.text
