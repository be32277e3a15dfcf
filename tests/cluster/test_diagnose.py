"""What a failed wait shows: the right pods, their states, and the events of exactly those objects (by UID)."""

from __future__ import annotations

from ca3cli.core.blockers import Observation
from ca3cli.operations import diagnose
from tests.cluster import recorded
from tests.fixtures.kubectl import fixture_json


def test_unhealthy_pods_are_picked_and_completed_job_pods_are_not() -> None:
    pods = diagnose.unhealthy_pods(fixture_json("pods-processor-crashloop.json")["items"])
    assert [pod["metadata"]["name"] for pod in pods] == ["processor-5f7d9c6b4-m8zq4"]


def test_when_every_pod_is_ready_all_are_shown_for_a_slow_rollout() -> None:
    pods = diagnose.unhealthy_pods(recorded.recorded("get-pods.json")["items"])
    assert len(pods) == diagnose.MAX_PODS


def test_events_of_an_earlier_daemonset_with_the_same_name_are_left_out_by_uid() -> None:
    daemonset = recorded.recorded("podsecurity-enforce-baseline-get-daemonset-promtail.json")
    events = recorded.recorded("podsecurity-enforce-baseline-get-events.json")["items"]
    lines = diagnose.event_lines(events, diagnose.related_uids(Observation("daemonset/promtail", daemonset), []))
    assert len(lines) == 10 and all(line.startswith("Warning FailedCreate DaemonSet/promtail: ") for line in lines)
    assert not [line for line in lines if "SuccessfulCreate" in line]  # the deleted namesake created a pod


def test_events_of_the_pods_their_replicaset_and_their_claims_count_as_related() -> None:
    kafka = recorded.pod("kafka-0")
    claim = recorded.item("get-pvc.json", "PersistentVolumeClaim", "data-kafka-0")
    statefulset = recorded.recorded("get-statefulset-kafka.json")
    seen = Observation("statefulset/kafka", statefulset, [kafka], [claim])
    events = recorded.recorded("get-events.json")["items"]
    lines = diagnose.event_lines(events, diagnose.related_uids(seen, [kafka]))
    assert lines == [
        ("Normal WaitForFirstConsumer PersistentVolumeClaim/data-kafka-0: waiting for first consumer to be created "
         "before binding"),
        ("Normal ExternalProvisioning PersistentVolumeClaim/data-kafka-0: Waiting for a volume to be created either by "
         "the external provisioner 'example.com/hostpath' or manually by the system administrator. If volume creation "
         "is delayed, please verify that the provisioner is running and correctly registered."),
        "Normal SuccessfulCreate StatefulSet/kafka: create Claim data-kafka-0 Pod kafka-0 in StatefulSet kafka success",
        "Normal SuccessfulCreate StatefulSet/kafka: create Pod kafka-0 in StatefulSet kafka successful",
        "Normal Scheduled Pod/kafka-0: Successfully assigned conveyor-pipeline/kafka-0 to node-1",
    ]


def test_event_lines_are_oldest_first_with_counts() -> None:
    events = fixture_json("events-processor-crashloop.json")["items"]
    lines = diagnose.event_lines(events, {"e2d77940-6598-4d57-0543-9556d9223a26"})
    assert lines[0].startswith("Normal Scheduled Pod/processor-5f7d9c6b4-m8zq4")
    assert lines[-1].startswith("Warning BackOff Pod/processor-5f7d9c6b4-m8zq4") and lines[-1].endswith("(x23)")
    assert not [line for line in lines if "ReplicaSet/" in line]


def test_pod_lines_show_unmet_conditions_waiting_reasons_and_restarts() -> None:
    lines = diagnose.pod_lines(recorded.crash_loop(recorded.pod("kafka-0")))
    assert lines[0] == "Pod kafka-0: Running"
    assert "  condition Ready=False ContainersNotReady: containers with unready status: [kafka]" in lines
    assert lines[-1].startswith("  container kafka: waiting CrashLoopBackOff back-off 2m40s restarting failed")
    assert lines[-1].endswith(", restarted 5 times (last exit code 1, Error)")


def test_the_pending_pod_of_the_recorded_stuck_deployment_shows_the_scheduler_message() -> None:
    [pod] = recorded.recorded("rec-tmp-get-pods.json")["items"]
    assert diagnose.pod_lines(pod) == [
        "Pod stuck-67b45769c6-b9rll: Pending",
        ("  condition PodScheduled=False Unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node "
         "affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."),
    ]


def test_only_pods_whose_containers_ran_have_logs_worth_asking_for() -> None:
    assert diagnose.ran(recorded.pod("kafka-0"))
    assert diagnose.ran(recorded.crash_loop(recorded.pod("kafka-0")))
    assert not diagnose.ran(recorded.image_pull_backoff(recorded.pod("kafka-0")))
    assert not diagnose.ran(recorded.recorded("rec-tmp-get-pods.json")["items"][0])


def test_selector_comes_from_the_workload_match_labels() -> None:
    workload = recorded.recorded("get-job-kafka-topic-create.json")
    assert diagnose.selector(workload) == "batch.kubernetes.io/controller-uid=31482be4-9e6d-476f-8678-9f8ce064d452"
    assert diagnose.selector(None) == ""
