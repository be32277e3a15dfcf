"""A drill rides out an API server that stops answering while it measures: its reads are retried with backoff until
the phase's end, the console says so, and only an outage past that end fails the experiment, with the sentence
naming the context and the fix, and stops the drill. A query that reached its server and failed is still its own
COULD NOT MEASURE verdict, and the API server's answer that it could not reach a kubelet is not an outage. An undo
(the uncordon after a drain) is retried through an outage too, for UNDO_RIDE_S; past that its sentence names the
command to run by hand. The filmed operator's reads after a fault ride out an outage the same way.

The stand-in kubectl fails a span of calls as kubectl 1.28 does when the server is down (recordings:
server-down-version.txt); the drill runs on a clock that moves on when slept, so a 20 s outage takes no real time.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from ca3cli.core.errors import KubectlError
from ca3cli.core.settings import Settings
from ca3cli.edges import outage
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.portforward import PortForwardError
from ca3cli.operations.chaos import observe, session
from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.model import Drill, Fault, Run, Sample
from ca3cli.operations.chaos.operator import Operator
from ca3cli.operations.chaos.runner import UNDO_RIDE_S, Runner, Timing
from tests.chaos import answers as a
from tests.chaos.flowing import Flowing
from tests.chaos.timelines import readings
from tests.fixtures.clock import FakeClock
from tests.fixtures.kubectl import TLS_HANDSHAKE_TIMEOUT, KubectlStub

MEASURE = Timing(interval_s=0, steady_timeout_s=0, measure_timeout_s=60, settle_s=0)
# The API server's answer when it cannot reach the kubelet (recordings/port-forward-svc-grafana-service.txt).
KUBELET_REFUSED = ("error: error upgrading connection: error dialing backend: dial tcp 127.0.0.1:10250: connect: "
                   "connection refused\n")
UNANSWERED_CALLS = 7  # 22 s of backoff on the fake clock: 1 + 2 + 4 + 5 + 5 + 5, then the call that is answered


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(outage, "CLOCK", fake)
    return fake


@dataclass
class FlowingOnClock(Flowing):
    """Readings keep arriving on the drill's clock: the newest one is always "now" as the fake clock tells it."""

    clock: FakeClock | None = None

    def newest(self) -> float | None:
        moved = self.clock.now - 1000.0 if self.clock else 0.0
        return time.time() + moved


def drill_deleting_the_producer(cluster: KubectlStub, tmp_path: Path, clock: FakeClock, *names: str
                                ) -> tuple[session.Finished, str]:
    """Delete-pod drills whose pods are polled: steady, then the replacement Pending, then Ready."""
    pods = a.recorded_pods()
    for listing in (pods, a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=False, keep_old=True)):
        cluster.on("get", "pods", "-o", "json", stdout=listing, times=1)
    cluster.on("get", "pods", "-o", "json", stdout=a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=True,
                                                              keep_old=False))
    cluster.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))
    stored = readings(f"{a.PRODUCER}@1796000000000", range(100, 120))
    out = io.StringIO()
    finished = session.drill(Kubectl(namespace=a.NAMESPACE), Settings(), select(list(names)),
                             Console(file=out, width=200), secrets_folder=tmp_path, out=tmp_path / "outputs",
                             timing=MEASURE, data=FlowingOnClock(stored, clock=clock), watch_pods=False)
    return finished, out.getvalue()


def pods_reads(stub: KubectlStub) -> int:
    return len([c for c in stub.calls if c.words[:4] == ["get", "pods", "-o", "json"]])


def test_a_twenty_second_outage_while_measuring_is_ridden_out_and_the_drill_passes(
        cluster: KubectlStub, tmp_path: Path, clock: FakeClock) -> None:
    # Only the drill's own reads fail: the operator's `get pods -l app=...` runs on a thread of its own, at a moment
    # that may or may not fall inside the outage (its own ride-out is tested below).
    cluster.outage("get", "pods", "-o", "json", calls=UNANSWERED_CALLS, after=1, stderr=TLS_HANDSHAKE_TIMEOUT,
                   only_these=True)
    finished, shown = drill_deleting_the_producer(cluster, tmp_path, clock, "delete-pod-producer")
    result = finished.results[0]
    assert result.outcome == "completed" and result.passed, result.problems
    assert sum(clock.slept) >= 20
    assert pods_reads(cluster) >= 1 + UNANSWERED_CALLS + 2  # steady, the unanswered reads, Pending, Ready
    assert "API server not answering, retrying" in shown
    assert "API server answering again (it did not for 22 s or more)" in shown
    assert result.ready_s is not None and result.ready_s >= 22  # seen Ready only once the server answered again


def test_an_outage_past_the_measuring_time_fails_with_the_sentence_and_stops_the_drill(
        cluster: KubectlStub, tmp_path: Path, clock: FakeClock) -> None:
    cluster.outage("get", "pods", "-o", "json", calls=10_000, after=1, stderr=TLS_HANDSHAKE_TIMEOUT)
    finished, shown = drill_deleting_the_producer(cluster, tmp_path, clock, "delete-pod-producer",
                                                  "delete-pod-processor")
    assert [r.name for r in finished.results] == ["delete-pod-producer"]  # the second was not started
    result = finished.results[0]
    assert result.outcome == "failed" and not finished.passed
    sentence = ("The API server of context (kubectl's current context) did not answer for 60 s, up to the end of "
                "this wait (last: Unable to connect to the server: net/http: TLS handshake timeout). Check that the "
                "cluster is up (`kubectl cluster-info`), then run `ca3 chaos` again")
    assert sentence in result.reason
    assert sentence in " ".join(shown.split())
    assert "the remaining experiments were not run" in shown
    assert "Traceback" not in shown
    report = (tmp_path / "outputs" / "resilience-report.md").read_text()
    assert sentence in " ".join(report.split())


def test_a_refused_query_through_a_forward_is_not_an_outage_but_a_refused_api_server_is() -> None:
    kubelet = KubectlError(["kubectl", "port-forward", "svc/grafana-service", "3000:3000"], 1, "", KUBELET_REFUSED)
    logs = KubectlError(["kubectl", "logs", "deploy/producer"], 1, "", a.logs_unreachable())
    forward_down = PortForwardError(f"`kubectl port-forward svc/influxdb :8086` exited with code 1: {a.REFUSED}"
                                    "Check that svc/influxdb exists and is Running.")
    assert outage.unreachable_reason(kubelet) is None
    assert outage.unreachable_reason(logs) is None
    assert outage.unreachable_reason(forward_down) == "The connection to the server 127.0.0.1:6999 was refused"


def drain_blocked_then_uncordon(cluster: KubectlStub, clock: FakeClock, *names: str) -> tuple[Drill, str]:
    """A drain that fails midway, so its uncordon runs at once, while the server does not answer the uncordon."""
    cluster.on("get", "pods", "-o", "json", stdout=a.recorded_pods())
    cluster.on("get", "nodes", stdout=a.two_nodes())
    out, err = a.drain_blocked("node-1")
    cluster.on("drain", stdout=out, stderr=err, returncode=1)
    cluster.on("uncordon", stdout=a.uncordoned("node-1"))
    shown = io.StringIO()
    drill = Runner(Kubectl(namespace=a.NAMESPACE), FlowingOnClock(clock=clock), Console(file=shown, width=200),
                   a.NAMESPACE, MEASURE, clock=clock).run_all(select(list(names)))
    return drill, " ".join(shown.getvalue().split())


def test_an_outage_spanning_an_uncordon_is_ridden_out_and_the_node_is_uncordoned(
        cluster: KubectlStub, clock: FakeClock) -> None:
    cluster.outage("uncordon", calls=UNANSWERED_CALLS, stderr=TLS_HANDSHAKE_TIMEOUT)
    drill, shown = drain_blocked_then_uncordon(cluster, clock, "drain-node")
    uncordons = [c for c in cluster.commands() if c.startswith("uncordon")]
    assert uncordons == ["uncordon node-1"] * (UNANSWERED_CALLS + 1)  # the last one answered
    assert sum(clock.slept) >= 20
    assert "API server not answering, retrying" in shown
    assert "API server answering again (it did not for 22 s or more)" in shown
    assert "rollback: uncordon node node-1" in shown and "uncordon node node-1 failed" not in drill.runs[0].reason


def test_an_outage_past_the_undo_deadline_names_the_command_to_run_by_hand_and_stops_the_drill(
        cluster: KubectlStub, clock: FakeClock) -> None:
    cluster.outage("uncordon", calls=10_000, stderr=TLS_HANDSHAKE_TIMEOUT)
    drill, shown = drain_blocked_then_uncordon(cluster, clock, "drain-node", "lose-volume-kafka")
    assert [r.experiment.name for r in drill.runs] == ["drain-node"]  # the second was not started
    sentence = ("uncordon node node-1 failed: the API server of context (kubectl's current context) did not answer "
                f"for {UNDO_RIDE_S:.0f} s (last: Unable to connect to the server: net/http: TLS handshake timeout). "
                "Once `kubectl cluster-info` answers, run `kubectl uncordon node-1` by hand.")
    assert drill.runs[0].outcome == "failed" and drill.runs[0].reason.endswith(sentence)
    assert sum(clock.slept) == pytest.approx(UNDO_RIDE_S)
    assert "the remaining experiments were not run" in shown and "Traceback" not in shown


def operator_after(cluster: KubectlStub, clock: FakeClock) -> tuple[Operator, str]:
    """The operator's reads after a producer deletion, ridden out for 60 s on the fake clock."""
    table = f"NAME   READY   STATUS    RESTARTS   AGE\n{a.REPLACEMENT}   1/1   Running   0   20s\n"
    cluster.on("get", "pods", stdout=table)
    cluster.on("describe", "pod", stdout=f"Name:         {a.REPLACEMENT}\n")
    cluster.on("logs", stdout="published reading 1\n")
    cluster.on("get", "events", stdout="LAST SEEN   TYPE     REASON    OBJECT\n")
    screen = io.StringIO()
    operator = Operator(Kubectl(namespace=a.NAMESPACE), Console(file=screen, width=200))
    run = Run(select(["delete-pod-producer"])[0], "completed", "", Fault(a.PRODUCER, injected_at=1.0),
              (Sample(5.0, "2026-12-01T08:00:15Z", observe.pod_states(
                  a.replaced(a.recorded_pods(), a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=False)), 4.0, 0.0),))
    deadline = clock.now + 60  # one deadline for every read, as the drill's phase end
    operator.after(run, lambda read: outage.ride_out(read, deadline, "(kubectl's current context)", "`ca3 chaos`",
                                                     clock=clock))
    return operator, screen.getvalue()


def test_the_operators_reads_after_a_fault_ride_out_an_outage_and_show_kubectls_answer(
        cluster: KubectlStub, clock: FakeClock) -> None:
    cluster.outage("get", "pods", calls=UNANSWERED_CALLS, stderr=TLS_HANDSHAKE_TIMEOUT)
    operator, shown = operator_after(cluster, clock)
    assert [c for c in cluster.commands() if c.startswith("get pods")] == ["get pods"] * (UNANSWERED_CALLS + 1)
    assert sum(clock.slept) >= 20
    assert [s.moment for s in operator.screens] == ["after", "describe", "logs", "events"]
    assert operator.screens[0].output.startswith("NAME") and "TLS handshake timeout" not in shown


def test_the_operators_reads_past_the_outage_deadline_show_the_sentence_and_go_on(
        cluster: KubectlStub, clock: FakeClock) -> None:
    cluster.outage("get", "pods", calls=10_000, stderr=TLS_HANDSHAKE_TIMEOUT)
    operator, shown = operator_after(cluster, clock)
    assert [s.moment for s in operator.screens] == ["after", "describe", "logs", "events"]
    assert all(s.output.startswith("The API server of context (kubectl's current context) did not answer")
               for s in operator.screens)
    assert sum(clock.slept) == pytest.approx(60) and "Traceback" not in shown
