"""Final causes found in recorded pods, claims and events (and kubelet states derived from recorded pods)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ca3cli.core import blockers
from ca3cli.core.blockers import Blocker, Observation
from tests.cluster import recorded

STUCK_SCHEDULED_AT = datetime.fromisoformat("2026-12-01T07:35:57Z")  # PodScheduled=False in rec-tmp-get-pods.json
LATER = STUCK_SCHEDULED_AT + timedelta(minutes=10)


def stuck_pod() -> dict:
    return recorded.recorded("rec-tmp-get-pods.json")["items"][0]


def test_the_recorded_unschedulable_pod_is_a_final_cause_with_the_scheduler_message() -> None:
    [found] = blockers.find(Observation("deployment/stuck", None, [stuck_pod()]), LATER)
    assert found == Blocker("Pod", "stuck-67b45769c6-b9rll", "Unschedulable", (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are "
        "available: 1 Preemption is not helpful for scheduling.."))
    assert str(found).endswith("1 Preemption is not helpful for scheduling")


def test_an_unschedulable_pod_gets_the_schedulers_grace_period_before_it_counts() -> None:
    soon = STUCK_SCHEDULED_AT + timedelta(seconds=blockers.UNSCHEDULABLE_GRACE_S - 1)
    assert blockers.find(Observation("deployment/stuck", None, [stuck_pod()]), soon) == []


def test_a_pod_waiting_for_its_claim_is_left_to_the_claims_own_state() -> None:
    pod = recorded.pending_on_claim(recorded.pod("kafka-0"))
    assert blockers.find(Observation("statefulset/kafka", None, [pod]), LATER) == []
    claim = recorded.claim_without_storage_class("data-kafka-0")
    assert blockers.find(Observation("statefulset/kafka", None, [pod], [claim]), LATER) == [Blocker(
        "PersistentVolumeClaim", "data-kafka-0", "FailedBinding",
        "no persistent volumes available for this claim and no storage class is set")]


@pytest.mark.parametrize("reason", ["ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                                    "CreateContainerConfigError"])
def test_container_waiting_reasons_that_do_not_heal_are_final_at_once(reason: str) -> None:
    pod = recorded.waiting(recorded.pod("producer-848b9d6d7-gvhjt"), reason, f"{reason} details")
    assert blockers.find(Observation("deployment/producer", None, [pod]), LATER) == [
        Blocker("Pod", "producer-848b9d6d7-gvhjt", reason, f"container producer: {reason} details")]


def test_crash_loop_back_off_counts_only_past_a_few_restarts() -> None:
    early = recorded.crash_loop(recorded.pod("processor-6bfb6584f6-pfwwz"), restarts=1)
    assert blockers.find(Observation("deployment/processor", None, [early]), LATER) == []
    late = recorded.crash_loop(recorded.pod("processor-6bfb6584f6-pfwwz"), restarts=blockers.CRASH_LOOP_RESTARTS)
    [found] = blockers.find(Observation("deployment/processor", None, [late]), LATER)
    assert found.reason == "CrashLoopBackOff" and "restarting failed container=processor" in found.message


def test_a_running_recorded_pod_or_a_bound_recorded_claim_is_no_cause() -> None:
    claims = recorded.recorded("get-pvc.json")["items"]
    pods = recorded.recorded("get-pods.json")["items"]
    assert blockers.find(Observation("statefulset/kafka", None, pods, claims), LATER) == []


def test_provisioning_failed_counts_only_for_the_claim_with_that_uid() -> None:
    claim = recorded.claim_without_storage_class("data-kafka-0")
    claim["spec"]["storageClassName"] = "standard"
    event = {"type": "Warning", "reason": "ProvisioningFailed", "message": "failed to provision volume: disk full",
             "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data-kafka-0",
                                "uid": "00000000-0000-0000-0000-000000000000"}}
    assert blockers.claim_state(claim, [event]) == []  # an earlier claim of the same name
    event["involvedObject"]["uid"] = claim["metadata"]["uid"]
    assert blockers.claim_state(claim, [event]) == [Blocker(
        "PersistentVolumeClaim", "data-kafka-0", "ProvisioningFailed", "failed to provision volume: disk full")]


def test_pods_refused_by_pod_security_are_a_final_cause_of_their_daemonset() -> None:
    daemonset = recorded.recorded("podsecurity-enforce-baseline-get-daemonset-promtail.json")
    events = recorded.recorded("podsecurity-enforce-baseline-get-events.json")["items"]
    [found] = blockers.find(Observation("daemonset/promtail", daemonset, [], [], events), LATER)
    assert (found.kind, found.reason) == ("DaemonSet", "FailedCreate")
    assert 'violates PodSecurity "baseline:latest": hostPath volumes' in found.message
    assert "Pod Security" in found.fix


def test_every_cause_has_a_fix() -> None:
    reasons = [*blockers.FINAL_WAITING, "CrashLoopBackOff", "Unschedulable", "FailedBinding", "ProvisioningFailed",
               "FailedCreate"]
    assert all(Blocker("Pod", "x", reason, "").fix for reason in reasons)
