"""Pods followed through `kubectl get pods --watch --output-watch-events -o json`: kubectl's stream split into events,
a reconnect that drops a pod deleted meanwhile, the same readiness as a poll of the same pods, and recovery timed by
the event, not the next poll. Events are the recorded pods (shared/kubectl-recordings/get-pods.json) in the watch
API's shape: {"type": ADDED|MODIFIED|DELETED, "object": <pod>}."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from ca3cli.core.watch_events import Objects, apply, split_documents
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.objectwatch import LIST_UIDS
from ca3cli.operations.chaos import model, observe, recovery
from ca3cli.operations.chaos.model import PodsAt
from ca3cli.operations.chaos.watch import PodWatch, pod_states
from tests.chaos import answers as a
from tests.chaos.timelines import delete_run, new, readings
from tests.fixtures.kubectl import KubectlStub

# What a watch whose resourceVersion is too old ends with (the API reference's Status for 410 Gone).
EXPIRED = {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                       "message": "too old resource version: 1234 (5678)", "reason": "Expired",
                                       "code": 410}}


def events(kind: str, listing: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": kind, "object": pod} for pod in listing["items"]]


def printed(*stream: dict[str, Any]) -> str:
    """What kubectl prints: one indented JSON document per event."""
    return "".join(json.dumps(e, indent=4) + "\n" for e in stream)


def uids(listing: dict[str, Any]) -> str:
    return " ".join(p["metadata"]["uid"] for p in listing["items"])


def test_kubectls_stream_splits_into_events_and_keeps_a_half_written_one() -> None:
    pods = a.recorded_pods()
    text = printed(*events("ADDED", pods)[:2])
    found, rest = split_documents(text + text[:40])
    assert [e["object"]["metadata"]["name"] for e in found] == [p["metadata"]["name"] for p in pods["items"][:2]]
    assert rest == text[:40].lstrip()


def test_events_add_change_and_remove_pods_and_bookmarks_change_nothing() -> None:
    pods = a.recorded_pods()
    state: Objects = {}
    assert all(apply(state, e) for e in events("ADDED", pods))
    unready = a.unready(pods, a.PRODUCER)
    assert apply(state, next(e for e in events("MODIFIED", unready) if e["object"]["metadata"]["name"] == a.PRODUCER))
    assert not next(p for p in pod_states(tuple(state.values())) if p.name == a.PRODUCER).ready
    assert not apply(state, {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "9"}}})
    assert not apply(state, EXPIRED)
    assert apply(state, {"type": "DELETED", "object": next(p for p in pods["items"]
                                                           if p["metadata"]["name"] == a.PRODUCER)})
    assert a.PRODUCER not in {p.name for p in pod_states(tuple(state.values()))}


def test_a_watch_with_a_reconnect_ends_with_the_pods_a_poll_sees_and_keeps_each_state(
        kubectl_stub: KubectlStub) -> None:
    pods = a.recorded_pods()
    unready = a.unready(pods, a.PRODUCER)
    after = a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=False)  # deleted while disconnected
    producer = next(e for e in events("MODIFIED", unready) if e["object"]["metadata"]["name"] == a.PRODUCER)
    kubectl_stub.on("get", "pods", "--watch", stdout=printed(*events("ADDED", pods), producer), times=1)
    kubectl_stub.on("get", "pods", "--watch", stdout=printed(*events("ADDED", after)))
    kubectl_stub.on("get", "pods", "-o", LIST_UIDS, stdout=uids(pods), times=1)
    kubectl_stub.on("get", "pods", "-o", LIST_UIDS, stdout=uids(after))
    clock = time.monotonic
    watch = PodWatch(Kubectl(namespace=a.NAMESPACE), clock, reconnect_s=0.05)
    watch.start()
    try:
        deadline = time.monotonic() + 60
        while (watch.reconnects < 1 or watch.pods() != observe.pod_states(after)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watch.pods() == observe.pod_states(after)  # the deleted producer is gone, its replacement Ready
        states = [s.pods for s in watch.timeline(0)]
    finally:
        watch.stop()
    producers = [tuple((p.name, p.ready) for p in s if p.app == "producer") for s in states]
    assert ((a.PRODUCER, False),) in producers  # the first watch's change was seen
    assert producers[-1] == ((a.REPLACEMENT, True),)
    assert not [s for s in states if len(s) < len(pods["items"])]  # never a half-reported state


def test_recovery_is_timed_by_the_watch_event_not_the_next_poll() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=readings(a.PRODUCER, range(5)))
    polled = recovery.ready_at(run)
    seen = PodsAt(12.5, (new(True), *run.samples[0].pods[1:]))  # the replacement Ready 2.5 s after the fault
    watched = replace(run, pod_events=(seen,))
    assert (polled, recovery.ready_at(watched)) == (6.0, 2.5)
    drill = model.Drill("ns", "2026-12-01T08:00:00Z", 0.0, (watched,))
    assert model.from_json(model.to_json(drill)) == drill
