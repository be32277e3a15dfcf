"""What a failed wait shows: the right pods, the events about them, their owners and their volume claims."""

from __future__ import annotations

from ca3cli import diagnose
from tests.fixtures.kubectl import fixture_json


def test_unhealthy_pods_are_picked_and_completed_job_pods_are_not() -> None:
    pods = diagnose.unhealthy_pods(fixture_json("pods-processor-crashloop.json"))
    assert [pod["metadata"]["name"] for pod in pods] == ["processor-5f7d9c6b4-m8zq4"]


def test_when_every_pod_is_ready_all_are_shown_for_a_slow_rollout() -> None:
    pods = diagnose.unhealthy_pods(fixture_json("pods-running.json"))
    assert len(pods) == diagnose.MAX_PODS


def test_events_of_owners_and_claims_count_as_related() -> None:
    kafka = fixture_json("pods-running.json")["items"][0]
    kafka["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-kafka-0"}},
                                {"name": "tmp", "emptyDir": {}}]
    assert diagnose.related_names([kafka]) == {"kafka-0", "kafka", "data-kafka-0"}


def test_event_lines_are_oldest_first_with_counts_and_only_about_the_named_objects() -> None:
    events = fixture_json("events-processor-crashloop.json")
    lines = diagnose.event_lines(events, {"processor-5f7d9c6b4-m8zq4"})
    assert lines[0].startswith("Normal Scheduled Pod/processor-5f7d9c6b4-m8zq4")
    assert lines[-1].startswith("Warning BackOff Pod/processor-5f7d9c6b4-m8zq4") and lines[-1].endswith("(x23)")
    assert not [line for line in lines if "ReplicaSet/" in line]


def test_selector_comes_from_the_workload_match_labels() -> None:
    workload = fixture_json("deployment-processor-progress-deadline-exceeded.json")
    assert diagnose.selector(workload) == "app.kubernetes.io/instance=ca3,app.kubernetes.io/name=processor"
    assert diagnose.selector(None) == ""
