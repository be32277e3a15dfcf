"""Deploy waits judged from watch events: after a first look finds an object not Current, its kind is watched and
each change is judged as its event arrives; a watch that ends and reconnects (listing again) gives the same
readiness, state by state, as the polls did.

The stream is the recorded StatefulSets (shared/kubectl-recordings/get-statefulset-*.json) in the watch API's event
shape {"type": ADDED|MODIFIED, "object": ...}: the first connection reports kafka not Ready and ends, as the API
server closes a watch; the reconnect lists kafka Ready and stays open.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ca3cli.edges.objectwatch import LIST_UIDS
from ca3cli.operations import deploy
from tests.cluster import recorded
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]
WATCH = ("get", "statefulset", "--watch", "--output-watch-events")


@pytest.fixture(autouse=True)
def short_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "POLL_S", 0.2)  # the longest pause between looks; a watch event ends it sooner


def printed(*events: tuple[str, dict[str, Any]]) -> str:
    """What kubectl prints with --output-watch-events -o json: one indented document per event."""
    return "".join(json.dumps({"type": kind, "object": obj}, indent=4) + "\n" for kind, obj in events)


def states(project: Project, resource: str) -> list[str]:
    """The wait's states of `resource` as the run log keeps them (a line each time it changes)."""
    return [line[line.index(resource):] for line in project.run_logs()[-1].read_text().splitlines()
            if f"{resource}: " in line and ("InProgress" in line or "Current" in line)]


def kafka_polls(stub: KubectlStub) -> int:
    return len([c for c in stub.calls if c.words[:3] == ["get", "statefulset", "kafka"]])


def test_a_watch_with_a_reconnect_gives_the_same_readiness_as_the_polls(project: Project, cluster: KubectlStub,
                                                                       ca3: Ca3) -> None:
    cluster.on("get", "statefulset", "kafka", stdout=recorded.in_progress_statefulset(), times=2)
    cluster.on("get", "pods", stdout=recorded.listed(recorded.waiting(recorded.pod("kafka-0"), "ContainerCreating",
                                                                      "")))
    polled = ca3("deploy", "-m", "1")
    assert polled.code == 0, polled.text
    by_polls = states(project, "statefulset/kafka")
    assert kafka_polls(cluster) == 3  # not Ready, not Ready, Ready: no watch answered

    influxdb = recorded.recorded("get-statefulset-influxdb.json")
    cluster.on("get", "statefulset", "kafka", stdout=recorded.in_progress_statefulset())  # polls never see it Ready
    cluster.on(*WATCH, times=1, stdout=printed(("ADDED", recorded.in_progress_statefulset()), ("ADDED", influxdb)))
    cluster.on(*WATCH, hold=True, stdout=printed(("ADDED", recorded.ready("statefulset")), ("ADDED", influxdb)))
    cluster.on("get", "statefulset", "-o", LIST_UIDS, stdout=" ".join(
        o["metadata"]["uid"] for o in (recorded.ready("statefulset"), influxdb)))
    watched = ca3("deploy", "-m", "1")
    assert watched.code == 0, watched.text  # only the watch could say Ready
    assert [c.words[:4] for c in cluster.calls].count(list(WATCH)) >= 2  # the first stream ended: a reconnect
    assert states(project, "statefulset/kafka") == by_polls == [
        "statefulset/kafka: InProgress (Ready: 0/1)",
        "statefulset/kafka: Current (All replicas scheduled as expected. Replicas: 1)"]
