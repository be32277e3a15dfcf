"""`ca3 load-test` with the autoscalers' watch and an API server that stops answering, through the stand-in kubectl.

The watch stream is the recorded HPA (shared/kubectl-recordings/get-hpa.json) in the watch API's event shape,
{"type": ADDED|MODIFIED, "object": <hpa>}: the first connection reports the whole 1 -> 3 -> 1 cycle and then ends (as
the API server closes a watch), the reconnect lists the autoscalers again and stays open. The outage is kubectl
1.28's text for an API server that does not finish TLS; the load test runs on a clock that moves on when slept, so
a 20 s outage takes no real time.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from ca3cli.edges import outage
from ca3cli.edges.objectwatch import LIST_UIDS
from ca3cli.operations.loadtest import analysis, cluster, outputs
from tests.cluster.conftest import CONTEXT, Project, Run
from tests.fixtures.clock import FakeClock
from tests.fixtures.kubectl import TLS_HANDSHAKE_TIMEOUT, KubectlStub
from tests.fixtures.patience import eventually
from tests.loadtest import recorded
from tests.loadtest.test_command import FAST, answer_load_test, prometheus  # noqa: F401 - prometheus is a fixture
from tests.validate.recorded_api import RecordedApi

WATCH = ("get", "hpa", "--watch", "--output-watch-events")
# (producer, processor) after each event of the first connection: both listed, then one change at a time.
STATES = [(1, 1), (3, 1), (3, 2), (3, 3), (2, 3), (2, 2), (1, 2), (1, 1)]
CPU = {1: 10, 2: 60, 3: 90}
ONE_SECOND_APART = ("--interval", "1", *FAST[2:])  # on the fake clock: samples that differ in time, no real wait


def hpa(name: str, replicas: int) -> dict[str, Any]:
    """The recorded HPA as `name` with `replicas`, with a UID of its own (the recording has one HPA's)."""
    obj = recorded.hpa(name, replicas, CPU[replicas])
    obj["metadata"]["uid"] = f"{name}-0000-4000-8000-000000000001"
    return obj


def printed(*events: tuple[str, dict[str, Any]]) -> str:
    """What kubectl prints with --output-watch-events -o json: one indented document per event."""
    return "".join(json.dumps({"type": kind, "object": obj}, indent=4) + "\n" for kind, obj in events)


def stream() -> str:
    """The first connection: both autoscalers listed, then one MODIFIED event per change of STATES."""
    events = [("ADDED", hpa("producer", 1)), ("ADDED", hpa("processor", 1))]
    for (producer_before, _), (producer, processor) in pairwise(STATES):
        events.append(("MODIFIED", hpa("producer", producer) if producer != producer_before
                       else hpa("processor", processor)))
    return printed(*events)


def answer_the_watch(stub: KubectlStub) -> None:
    stub.on(*WATCH, times=1, stdout=stream())
    stub.on(*WATCH, hold=True, stdout=printed(("ADDED", hpa("producer", 1)), ("ADDED", hpa("processor", 1))))
    stub.on("get", "hpa", "-o", LIST_UIDS, stdout=" ".join(hpa(n, 1)["metadata"]["uid"]
                                                            for n in ("producer", "processor")))


def test_the_watch_dates_each_replica_change_when_its_event_came_not_at_the_next_sample(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    answer_the_watch(kubectl_stub)
    real_sample = cluster.sample

    def after_the_first_connection(*args: Any, **kwargs: Any) -> Any:
        if args[-1] == "load":  # the stream was read to its end once the reader reconnected
            eventually(lambda: [c.words[:4] for c in kubectl_stub.calls].count(list(WATCH)) >= 2,
                       "the watch reconnected after its first stream ended")
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(cluster, "sample", after_the_first_connection)
    run = ca3("load-test", *FAST, "--out", "results")
    assert run.code == 0, run.text
    timeline = outputs.last(project.path / "results")
    assert timeline is not None and timeline.hpa_events
    seen = [(e.hpa("producer"), e.hpa("processor")) for e in timeline.hpa_events]
    states = [(p.current, q.current) for p, q in seen if p and q]
    assert states[:len(STATES)] == STATES  # each state of the first connection, in order
    assert set(states[len(STATES):]) <= {(1, 1)}  # the reconnect's listing: the state then, nothing replayed
    result = analysis.analyse(timeline)
    producer = next(c for c in result.cycles if c.hpa == "producer")
    first_event_at_3 = next(e.t for e in timeline.hpa_events if (h := e.hpa("producer")) and h.current == 3)
    first_sample_at_3 = next(s.t for s in timeline.samples if (h := s.hpa("producer")) and h.current == 3)
    assert producer.up_at == first_event_at_3 < first_sample_at_3
    assert producer.scaled_down and producer.down_at is not None
    change = next(c for c in result.changes if c.hpa == "producer" and c.after == 3)
    assert change.t == first_event_at_3


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(outage, "CLOCK", fake)
    return fake


def test_a_twenty_second_outage_under_load_is_ridden_out_and_the_cycle_still_passes(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi,  # noqa: F811
        clock: FakeClock) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.outage("get", "horizontalpodautoscalers.autoscaling", calls=9, after=1, stderr=TLS_HANDSHAKE_TIMEOUT)
    run = ca3("load-test", *ONE_SECOND_APART)
    assert run.code == 0, run.text
    assert sum(clock.slept) >= 20  # the refused object watch may take a few of the failed calls
    assert "API server not answering, retrying (0 s)" in run.text
    assert "API server not answering, retrying (22 s)" in run.text
    timeline = outputs.last(project.path / "outputs")
    assert timeline is not None
    assert [(s.hpa("producer").current, s.hpa("processor").current) for s in timeline.samples  # type: ignore[union-attr]
            ] == [(1, 1), (1, 1), (3, 2), (3, 3), (2, 2), (1, 1)]


def test_an_outage_longer_than_the_phase_fails_with_the_sentence_naming_the_context(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi,  # noqa: F811
        clock: FakeClock) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.outage("get", "horizontalpodautoscalers.autoscaling", calls=10_000, after=1,
                        stderr=TLS_HANDSHAKE_TIMEOUT)
    run = ca3("load-test", *FAST)
    assert run.code == 1
    text = " ".join(run.text.split())
    assert (f"The API server of context `{CONTEXT}` did not answer for " in text
            and "up to the end of this wait (last: Unable to connect to the server: net/http: TLS handshake timeout). "
                "Check that the cluster is up (`kubectl cluster-info`), then run `ca3 load-test` again" in text)
    assert "Traceback" not in run.text


def closed_port() -> int:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_prometheus_forward_that_stops_answering_is_opened_again_for_the_next_sample(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi,  # noqa: F811
        ) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.on("port-forward", "svc/prometheus-service", forward_to=closed_port(), times=1)  # as after it ended
    run = ca3("load-test", *FAST)
    assert run.code == 0, run.text
    timeline = outputs.last(project.path / "outputs")
    assert timeline is not None
    assert set(timeline.samples[0].throughput.values()) == {None}  # refused through the first forward
    assert timeline.samples[1].throughput["produced"] == 100.0  # through the one opened again
    assert len([c for c in kubectl_stub.calls if c.words[0] == "port-forward"]) == 2
