"""`ca3 deploy` waits that watch and explain: each final cause fails the deploy at the poll that first shows it,
naming the cause and its fix, with the evidence of that moment; a slow rollout that becomes Current passes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.core.readiness import Reading
from ca3cli.core.registry import Wait
from ca3cli.edges import outage
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import deploy, diagnose
from tests.cluster import recorded
from tests.cluster.conftest import CONTEXT, NAMESPACE, Project, Run
from tests.fixtures.clock import FakeClock
from tests.fixtures.kubectl import KubectlStub, fixture

Ca3 = Callable[..., Run]
JOB_UID = "5b0c6a52-7f3e-4d1a-9c2b-0e8f1a2b3c4d"
POD_UID = "9d8e7f60-1a2b-4c3d-8e9f-a0b1c2d3e4f5"


@pytest.fixture(autouse=True)
def no_pause_between_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "POLL_S", 0.0)


def polls(stub: KubectlStub, kind: str, name: str = "") -> int:
    return len([c for c in stub.calls if c.words[:2] == ["get", kind] and c.words[2].startswith(name)])


def test_an_unschedulable_topic_job_pod_fails_the_deploy_at_the_first_poll_with_the_schedulers_reason(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    job = recorded.running_job("kafka-topic-create-0123456789", JOB_UID)
    pod = recorded.unschedulable_job_pod(job, POD_UID)
    cluster.on("get", "job", stdout=job)
    cluster.on("get", "pods", stdout=recorded.listed(pod))
    cluster.on("get", "events", stdout=recorded.listed(*recorded.recorded("get-events.json")["items"], recorded.warning(
        pod, "FailedScheduling", pod["status"]["conditions"][0]["message"], "default-scheduler")))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    [poll] = [c for c in cluster.calls if c.words[:2] == ["get", "job"]]
    assert (f"job/{poll.words[2]} cannot become ready: Pod kafka-topic-create-0123456789-q7r2x Unschedulable: "
            "0/1 nodes are available: 1 node(s) were unschedulable") in result.text
    assert "make room for the pod (`kubectl get nodes`: uncordon a node or add one)" in result.text
    assert result.text.rstrip().endswith("then run `ca3 deploy` again.")
    assert "condition PodScheduled=False Unschedulable: 0/1 nodes are available" in result.text
    assert "Warning FailedScheduling Pod/kafka-topic-create-0123456789-q7r2x" in result.text
    assert len([c for c in cluster.calls if c.words[0] == "apply"]) == 3  # phase 4 never started
    assert not [c for c in cluster.calls if c.words[0] == "logs"]  # the pod never ran


def test_the_events_shown_are_those_of_the_current_job_and_pod_not_of_an_earlier_job_of_the_same_name(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    job = recorded.running_job("kafka-topic-create", JOB_UID)  # the name the recorded, earlier Job had
    pod = recorded.unschedulable_job_pod(job, POD_UID)
    cluster.on("get", "job", stdout=job)
    cluster.on("get", "pods", stdout=recorded.listed(pod))
    cluster.on("get", "events", stdout=recorded.listed(*recorded.recorded("get-events.json")["items"], recorded.warning(
        pod, "FailedScheduling", "0/1 nodes are available: 1 node(s) were unschedulable.", "default-scheduler")))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "Warning FailedScheduling Pod/kafka-topic-create-q7r2x" in result.text
    assert "Job completed" not in result.text and "Created pod: kafka-topic-create-ztmmt" not in result.text
    assert "Job completed" not in project.run_logs()[0].read_text()


def test_image_pull_back_off_fails_the_deploy_at_the_first_poll_and_says_to_check_the_image(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "deployment", "processor", stdout=recorded.in_progress_deployment("processor"))
    pod = recorded.image_pull_backoff(recorded.pod("processor-6bfb6584f6-pfwwz"))
    cluster.on("get", "pods", stdout=recorded.listed(pod))
    cluster.on("get", "events", stdout=fixture("empty-list.json"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("deployment/processor cannot become ready: Pod processor-6bfb6584f6-pfwwz ImagePullBackOff: container "
            'processor: Back-off pulling image "ca3/processor:0.1.0"') in result.text
    assert "check the image name and tag in ca3.yaml" in result.text
    assert polls(cluster, "deployment", "processor") == 1
    assert not [c for c in cluster.calls if c.words[0] == "logs"]


def test_crash_loop_back_off_fails_the_deploy_once_past_a_few_restarts_and_shows_the_crashed_log(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "deployment", "processor", stdout=recorded.in_progress_deployment("processor"))
    base = recorded.pod("processor-6bfb6584f6-pfwwz")
    cluster.on("get", "pods", stdout=recorded.listed(recorded.crash_loop(base, restarts=1)), times=1)
    cluster.on("get", "pods", stdout=recorded.listed(recorded.crash_loop(base, restarts=5)))
    cluster.on("get", "events", stdout=fixture("empty-list.json"))
    cluster.on("logs", stdout='{"level": "error", "message": "cannot reach kafka-service:9092"}\n')
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "deployment/processor cannot become ready: Pod processor-6bfb6584f6-pfwwz CrashLoopBackOff" in result.text
    assert "restarted 5 times (last exit code 1, Error)" in result.text
    assert "cannot reach kafka-service:9092" in result.text
    assert polls(cluster, "deployment", "processor") == 2  # one restart is not yet a cause
    [logs] = [c for c in cluster.calls if c.words[0] == "logs"]
    assert logs.words == ["logs", "processor-6bfb6584f6-pfwwz", "--all-containers", "--tail=40", "--previous"]


def test_a_claim_pending_without_a_storage_class_fails_the_deploy_at_the_first_poll(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    claim = recorded.claim_without_storage_class("data-kafka-0")
    cluster.on("get", "statefulset", "kafka", stdout=recorded.in_progress_statefulset())
    cluster.on("get", "pods", stdout=recorded.listed(recorded.pending_on_claim(recorded.pod("kafka-0"))))
    cluster.on("get", "persistentvolumeclaims", stdout=recorded.listed(claim))
    cluster.on("get", "events", stdout=recorded.listed(recorded.warning(
        claim, "FailedBinding", "no persistent volumes available for this claim and no storage class is set",
        "persistentvolume-controller")))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("statefulset/kafka cannot become ready: PersistentVolumeClaim data-kafka-0 FailedBinding: no persistent "
            "volumes available for this claim and no storage class is set") in result.text
    assert "mark a StorageClass as the default" in result.text
    assert "PersistentVolumeClaim data-kafka-0: Pending, StorageClass (none)" in result.text
    assert "Warning FailedBinding PersistentVolumeClaim/data-kafka-0" in result.text
    assert polls(cluster, "statefulset", "kafka") == 1 and polls(cluster, "job") == 0


def test_a_failed_topic_job_fails_the_deploy_at_once_and_says_to_delete_it_so_deploy_runs_it_again(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    job = recorded.running_job("kafka-topic-create-0123456789", JOB_UID)
    job["status"] = {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                     "message": "Job has reached the specified backoff limit"}], "failed": 5,
                     "startTime": "2026-12-01T07:40:00Z"}
    cluster.on("get", "job", stdout=job)
    cluster.on("get", "pods", stdout=fixture("empty-list.json"))
    cluster.on("get", "events", stdout=fixture("empty-list.json"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    [poll] = [c for c in cluster.calls if c.words[:2] == ["get", "job"]]
    assert (f"job/{poll.words[2]} failed: Job failed: Job has reached the specified backoff limit (succeeded 0, "
            "failed 5).") in result.text
    assert f"delete the Job (`kubectl --namespace {NAMESPACE} delete job/{poll.words[2]}`)" in result.text


def test_pods_a_deployments_replicaset_may_not_create_fail_the_deploy_at_once_with_the_pod_security_reason(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "deployment", "producer", stdout=recorded.in_progress_deployment("producer"))
    replicaset = recorded.item("get-all.json", "ReplicaSet", "producer-848b9d6d7")
    namesake = recorded.item("get-all.json", "ReplicaSet", "producer-848b9d6d7")
    namesake["metadata"].update(name="producer-5d8f7c9b6", uid="1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
    namesake["metadata"]["ownerReferences"][0]["uid"] = "0f1e2d3c-4b5a-4968-8776-655443322110"  # an earlier Deployment
    cluster.on("get", "pods", stdout=fixture("empty-list.json"))
    cluster.on("get", "replicasets", stdout=recorded.listed(replicaset, namesake))
    refusal = ('Error creating: pods "producer-848b9d6d7-x2x9k" is forbidden: '
               'violates PodSecurity "restricted:latest": '
               'seccompProfile (pod or container "producer" must set securityContext.seccompProfile.type to '
               '"RuntimeDefault" or "Localhost")')
    cluster.on("get", "events", stdout=recorded.listed(
        recorded.warning(namesake, "FailedCreate", refusal.replace("x2x9k", "old00"), "replicaset-controller"),
        recorded.warning(replicaset, "FailedCreate", refusal, "replicaset-controller")))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert (f"deployment/producer cannot become ready: ReplicaSet producer-848b9d6d7 FailedCreate: {refusal}"
            in result.text)
    assert "for example the namespace's Pod Security level" in result.text
    assert "producer-5d8f7c9b6" not in result.text and "old00" not in result.text
    assert polls(cluster, "deployment", "producer") == 1


def test_a_slow_rollout_that_becomes_current_passes_and_shows_each_state(project: Project, cluster: KubectlStub,
                                                                       ca3: Ca3) -> None:
    cluster.on("get", "statefulset", "kafka", stdout=recorded.in_progress_statefulset(), times=2)
    starting = recorded.waiting(recorded.pod("kafka-0"), "ContainerCreating", "")
    cluster.on("get", "pods", stdout=recorded.listed(starting))
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert polls(cluster, "statefulset", "kafka") == 3 and polls(cluster, "statefulset", "influxdb") == 1
    assert "statefulset/kafka: InProgress (Ready: 0/1)" in result.text
    assert "statefulset/kafka: Current (All replicas scheduled as expected. Replicas: 1)" in result.text
    assert result.text.count("statefulset/kafka: InProgress") == 1  # printed when the state changes, not per poll


class Seen:
    """A Reporter that keeps the states it is told."""

    def __init__(self) -> None:
        self.states: list[tuple[str, Reading]] = []

    def checks(self, checks: object) -> None: ...

    def phase(self, phase: object, total: int) -> None: ...

    def step(self, text: str) -> None: ...

    def unanswered(self, seconds: float) -> None:
        self.states.append(("API server not answering", Reading("Unknown", f"{seconds:.0f} s")))

    def state(self, resource: str, reading: Reading) -> None:
        self.states.append((resource, reading))


def test_a_wait_whose_time_is_up_names_the_last_state_it_saw(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", "statefulset", "kafka", stdout=recorded.in_progress_statefulset())
    kubectl_stub.on("get", "pods", stdout=recorded.listed(recorded.waiting(recorded.pod("kafka-0"), "PodInitializing",
                                                                           "")))
    kubectl_stub.on("get", "events", stdout=fixture("empty-list.json"))
    seen = Seen()
    with pytest.raises(deploy.RolloutFailed) as caught:
        deploy.wait_phase(Kubectl(context=CONTEXT, namespace=NAMESPACE), [Wait("statefulset/kafka", 0)], seen,
                          str)
    assert str(caught.value).startswith("statefulset/kafka did not become ready within 0s (still Ready: 0/1).")
    assert seen.states == [("statefulset/kafka", Reading("InProgress", "Ready: 0/1"))]
    assert caught.value.diagnosis.pods[0] == "Pod kafka-0: Running"


def test_a_poll_that_hangs_past_the_waits_deadline_stops_with_a_sentence_instead_of_blocking(
        kubectl_stub: KubectlStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diagnose, "CALL_TIMEOUT_S", 0.5)
    clock = FakeClock()  # moves only when the wait sleeps between retries; each hanging call takes its real 0.5 s
    monkeypatch.setattr(outage, "CLOCK", clock)
    kubectl_stub.on("get", "statefulset", "kafka", delay=5)
    seen = Seen()
    with pytest.raises(outage.ApiOutage) as caught:
        deploy.wait_phase(Kubectl(context=CONTEXT, namespace=NAMESPACE), [Wait("statefulset/kafka", 3)], seen, str)
    assert str(caught.value).startswith(f"The API server of context `{CONTEXT}` did not answer for 3 s, up to the "
                                        "end of this wait (last: `kubectl --context")
    assert "get statefulset kafka --ignore-not-found -o json` did not finish within 0.5s)" in str(caught.value)
    assert seen.states == [("API server not answering", Reading("Unknown", "0 s")),
                           ("API server not answering", Reading("Unknown", "1 s"))]
