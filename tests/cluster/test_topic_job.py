"""The topic Job runs only when its inputs change: its name carries a hash of its spec, an unchanged redeploy applies
the same Complete Job, a changed one is a new Job that dry run and diff show as replacing the old one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from ca3cli.core import registry, render, template_values
from ca3cli.core.objects import KubeObject
from ca3cli.core.settings import Settings
from ca3cli.operations import prune
from tests.cluster import recorded
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]
NAMESPACED = ",".join(prune.NAMESPACED_KINDS)
JOB_NAME = re.compile(r"Job/(kafka-topic-create-[0-9a-f]{10})\b")


def planned_job(ca3: Ca3) -> str:
    """The topic Job's name in the offline plan of milestone 1."""
    result = ca3("deploy", "--dry-run", "-m", "1")
    assert result.code == 0, result.text
    [name] = JOB_NAME.findall(result.text)
    return name


def rendered_objects() -> list[dict]:
    return [doc for m in render.render(Settings(), template_values.placeholders(), 1) for doc in m.documents]


def job_applied(stub: KubectlStub) -> list[str]:
    """Names of the Jobs sent to kubectl on stdin (apply or diff)."""
    return [name for call in stub.calls for name in re.findall(r"kind: Job\n(?:.*\n)*?  name: (\S+)", call.stdin or "")]


def test_the_topic_job_name_changes_with_its_inputs_and_only_with_them(project: Project, kubectl_stub: KubectlStub,
                                                                      ca3: Ca3) -> None:
    settings_file = project.path / "ca3.yaml"
    base = settings_file.read_text()
    first, again = planned_job(ca3), planned_job(ca3)
    settings_file.write_text(base + "kafka:\n  partitions: 12\n")
    more_partitions = planned_job(ca3)
    settings_file.write_text(base + "images:\n  kafka: apache/kafka:4.3.2\n")
    other_image = planned_job(ca3)
    assert first == again
    assert len({first, more_partitions, other_image}) == 3


def test_the_topic_jobs_pods_keep_the_stable_labels_its_network_policies_select() -> None:
    objects = rendered_objects()
    [job] = [o for o in objects if o["kind"] == "Job"]
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    own = next(o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "kafka-topic-create")
    assert own["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    kafka = next(o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "kafka")
    peers = [peer["podSelector"]["matchLabels"] for rule in kafka["spec"]["ingress"] for peer in rule["from"]]
    assert any(peer.items() <= pod_labels.items() for peer in peers)
    assert job["metadata"]["labels"]["app.kubernetes.io/name"] == "kafka-topic-create"


def test_the_topic_jobs_own_deadline_outlasts_ca3s_wait_so_its_pod_is_there_for_the_evidence() -> None:
    [job] = [o for o in rendered_objects() if o["kind"] == "Job"]
    assert job["spec"]["activeDeadlineSeconds"] > registry.COMPONENTS["kafka"].wait_s > 0


def test_an_unchanged_redeploy_applies_the_same_complete_job_without_deleting_it_or_waiting_for_a_pod(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    name = planned_job(ca3)
    live = recorded.recorded("get-job-kafka-topic-create.json")
    live["metadata"]["name"] = name
    cluster.on("get", NAMESPACED, stdout=recorded.listed(live))
    assert ca3("deploy", "-m", "1").code == 0
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert job_applied(cluster) == [name, name]
    assert [c.words[2] for c in cluster.calls if c.words[:2] == ["get", "job"]] == [name, name]  # Complete: Current
    assert not [c for c in cluster.calls if c.words[0] == "delete" or c.words[:2] == ["get", "pods"]]


@pytest.fixture
def earlier_jobs(cluster: KubectlStub) -> KubectlStub:
    """The cluster holds the topic Job of an earlier ca3 (unhashed name) and one with an earlier spec hash."""
    legacy = recorded.recorded("get-job-kafka-topic-create.json")
    older = recorded.recorded("get-job-kafka-topic-create.json")
    older["metadata"]["name"] = "kafka-topic-create-00ddba11ee"
    cluster.on("get", NAMESPACED, stdout=recorded.listed(legacy, older))
    cluster.on("delete", stdout='job.batch "kafka-topic-create" deleted\n')
    return cluster


def test_server_dry_run_shows_a_changed_job_replacing_the_earlier_ones_and_sends_only_the_new_name(
        project: Project, earlier_jobs: KubectlStub, ca3: Ca3) -> None:
    name = planned_job(ca3)
    result = ca3("deploy", "-m", "1", "--dry-run=server")
    assert result.code == 0, result.text
    assert job_applied(earlier_jobs) == [name]  # a new object: no update of an immutable pod template
    assert f"would replace Job/kafka-topic-create with Job/{name} (the Job's spec changed" in result.text
    assert f"would replace Job/kafka-topic-create-00ddba11ee with Job/{name}" in result.text
    [delete] = [c for c in earlier_jobs.calls if c.words[0] == "delete"]
    assert "--dry-run=server" in delete.words
    assert "field is immutable" not in result.text


def test_diff_shows_a_changed_job_as_new_and_the_earlier_ones_as_replaced(project: Project, earlier_jobs: KubectlStub,
                                                                         ca3: Ca3) -> None:
    name = planned_job(ca3)
    earlier_jobs.on("diff", returncode=1, stdout=f"diff -u -N <TMPDIR>/LIVE-1/batch.v1.Job.conveyor-pipeline.{name} "
                                                 f"<TMPDIR>/MERGED-2/batch.v1.Job.conveyor-pipeline.{name}\n"
                                                 f"+  name: {name}\n")
    result = ca3("deploy", "-m", "1", "--diff")
    assert result.code == 0, result.text
    assert job_applied(earlier_jobs) == [name]
    assert f"+ name: {name}" in result.text
    assert f"would replace Job/kafka-topic-create with Job/{name}" in result.text
    assert not [c for c in earlier_jobs.calls if c.words[0] in ("apply", "delete")]


def test_deploy_runs_the_changed_job_and_prunes_the_earlier_ones_after_it_completed(
        project: Project, earlier_jobs: KubectlStub, ca3: Ca3) -> None:
    name = planned_job(ca3)
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    commands = earlier_jobs.commands()
    polled = commands.index(f"get job {name} --ignore-not-found -o json")
    [delete] = [i for i, command in enumerate(commands) if command.startswith("delete")]
    assert polled < delete
    assert "job.batch/kafka-topic-create job.batch/kafka-topic-create-00ddba11ee" in commands[delete]
    assert f"replaced Job/kafka-topic-create with Job/{name}" in result.text


def test_only_leftover_jobs_with_the_rendered_jobs_name_label_count_as_replaced() -> None:
    [new] = [o for o in rendered_objects() if o["kind"] == "Job"]
    legacy = recorded.recorded("get-job-kafka-topic-create.json")
    other = recorded.recorded("get-job-kafka-topic-create.json")
    other["metadata"].update(name="kafka-topic-create-migrate", labels={"app.kubernetes.io/name": "migrate"})
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kafka-topic-create-old",
                                                                   "labels": new["metadata"]["labels"]}}
    leftover = [KubeObject.of(item) for item in (legacy, other, config)]
    assert prune.replaced_jobs([legacy, other, config], leftover, [new]) == {leftover[0]: KubeObject.of(new)}
