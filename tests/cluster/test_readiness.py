"""kstatus readings of objects recorded from a real Kubernetes 1.28 control plane, and of states derived from them."""

from __future__ import annotations

import pytest

from ca3cli.core import readiness
from ca3cli.core.readiness import Reading
from tests.cluster import recorded
from tests.fixtures.kubectl import fixture_json


@pytest.mark.parametrize("name", ["get-statefulset-kafka.json", "get-statefulset-influxdb.json",
                                  "get-deployment-producer.json", "get-job-kafka-topic-create.json",
                                  "rec-tmp-get-job-rec-job.json"])
def test_every_recorded_rolled_out_workload_is_current(name: str) -> None:
    assert readiness.status(recorded.recorded(name)).status == "Current"


def test_every_recorded_workload_of_milestone_six_is_current() -> None:
    objects = recorded.recorded("get-all.json")["items"]
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job")]
    assert len(workloads) == 10  # 6 Deployments, 2 StatefulSets, the promtail DaemonSet, the topic Job
    assert {o["metadata"]["name"]: readiness.status(o).status for o in workloads if
            readiness.status(o).status != "Current"} == {}


def test_every_recorded_bound_claim_is_current() -> None:
    claims = recorded.recorded("get-pvc.json")["items"]
    assert [readiness.status(claim) for claim in claims] == [Reading("Current", "PVC is Bound")] * 2


def test_the_recorded_stuck_deployment_is_in_progress_waiting_for_availability() -> None:
    assert readiness.status(recorded.recorded("rec-tmp-get-deployment-stuck.json")) == Reading(
        "InProgress", "Available: 0/1")


def test_a_deployment_past_its_progress_deadline_is_failed_with_the_controller_message() -> None:
    stuck = recorded.recorded("rec-tmp-get-deployment-stuck.json")
    progressing = readiness.condition(stuck, "Progressing")
    progressing.update(status="False", reason="ProgressDeadlineExceeded",
                       message='ReplicaSet "stuck-67b45769c6" has timed out progressing.')
    assert readiness.status(stuck) == Reading("Failed", 'ReplicaSet "stuck-67b45769c6" has timed out progressing.')
    assert readiness.status(fixture_json("deployment-processor-progress-deadline-exceeded.json")).status == "Failed"


def test_a_deployment_whose_new_replicaset_is_not_available_yet_is_in_progress() -> None:
    producer = recorded.recorded("get-deployment-producer.json")
    readiness.condition(producer, "Progressing").update(reason="ReplicaSetUpdated")
    assert readiness.status(producer) == Reading("InProgress", "ReplicaSet not Available")


def test_a_spec_change_the_controller_has_not_observed_is_in_progress_even_with_good_counters() -> None:
    producer = recorded.recorded("get-deployment-producer.json")
    producer["metadata"]["generation"] = 2
    assert readiness.status(producer) == Reading("InProgress", "Generation 2 not observed yet (observed 1)")


def test_a_statefulset_with_a_pod_not_ready_is_in_progress() -> None:
    assert readiness.status(recorded.in_progress_statefulset()) == Reading("InProgress", "Ready: 0/1")


def test_a_statefulset_whose_update_revision_is_not_current_yet_is_in_progress() -> None:
    kafka = recorded.recorded("get-statefulset-kafka.json")
    kafka["status"]["updateRevision"] = "kafka-6f7d8c9b5a"
    assert readiness.status(kafka) == Reading("InProgress", "Waiting for the update revision to become current")


def test_a_daemonset_whose_pods_are_refused_is_in_progress_with_its_counters() -> None:
    refused = recorded.recorded("podsecurity-enforce-baseline-get-daemonset-promtail.json")
    assert readiness.status(refused) == Reading("InProgress", "Current: 0/1")


def test_a_failed_job_is_failed_and_a_job_not_started_is_in_progress() -> None:
    job = recorded.recorded("get-job-kafka-topic-create.json")
    job["status"] = {"conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                                     "message": "Job was active longer than specified deadline"}], "failed": 1}
    assert readiness.status(job) == Reading(
        "Failed", "Job failed: Job was active longer than specified deadline (succeeded 0, failed 1)")
    job["status"] = {}
    assert readiness.status(job) == Reading("InProgress", "Job not started")


def test_a_pending_claim_is_in_progress_and_an_object_not_created_yet_too() -> None:
    assert readiness.status(recorded.claim_without_storage_class()) == Reading(
        "InProgress", "PVC is not Bound: phase Pending")
    assert readiness.status(None) == Reading("InProgress", "Not found yet")


def test_an_object_being_deleted_is_in_progress() -> None:
    kafka = recorded.recorded("get-statefulset-kafka.json")
    kafka["metadata"]["deletionTimestamp"] = "2026-12-01T07:40:00Z"
    assert readiness.status(kafka) == Reading("InProgress", "Terminating")


def test_a_node_is_current_once_ready_and_in_progress_with_the_kubelets_reason_before() -> None:
    node = recorded.recorded("get-nodes.json")["items"][0]
    assert readiness.status(node) == Reading("Current", "Node is Ready")
    waiting = readiness.status(recorded.unready_node(node))
    assert waiting.status == "InProgress" and waiting.message.startswith("Node not Ready: KubeletNotReady: container")
