"""lose-volume-kafka: one broker of three deleted with its PersistentVolumeClaim, through the stand-in kubectl (pods
derived from the recorded kafka-0 as a StatefulSet makes them, Kafka's texts as its source prints them, see
answers.py): the claim is deleted before the pod, the drill passes only once the new volume's directory id is a
voter and the old entry is gone, fails with the reason when the broker stays an observer, and is refused in one
sentence with fewer than three brokers. Its Chaos Toolkit file validates and its evidence fails when the claim was
not replaced or the broker is not a voter (chaostoolkit-lib's own configuration loader, provider and tolerance)."""

from __future__ import annotations

import io
import posixpath
import subprocess
from typing import Any

import pytest
from chaoslib.activity import run_activity
from chaoslib.configuration import load_dynamic_configuration
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.hypothesis import within_tolerance
from rich.console import Console

from ca3cli.core import kraft, render, template_values, topology
from ca3cli.core.settings import parse
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos import quorum, toolkit
from ca3cli.operations.chaos.actions import lose_volume
from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.recovery import analyse
from ca3cli.operations.chaos.runner import Runner, Timing
from tests.chaos import answers as a
from tests.chaos.flowing import Flowing
from tests.fixtures.kubectl import KubectlStub

UNTIL_RECOVERED = Timing(interval_s=0, steady_timeout_s=0, measure_timeout_s=120, settle_s=0)
OLD, NEW = "AAAAAAAAAAAAAAAAAAAAAA", "x9rYt5zPQkS2m8WbVq1c4g"
ONE, TWO = "k1Yp0GmVTR6QqL2bW8tZ0A", "Zq3sX7uDRm6hN1cP5vK9eQ"
WAITING = a.replication((1, ONE, "Leader"), (0, OLD, "Follower"), (2, TWO, "Follower"), (0, NEW, "Observer"))
REJOINED = a.replication((1, ONE, "Leader"), (0, NEW, "Follower"), (2, TWO, "Follower"))
QUORUM = ("exec", "kafka-0", "-c", "kafka", "--", "bash", kraft.QUORUM_SCRIPT, "describe", "--replication")
EXPERIMENT = "lose-volume-kafka"


def test_kafkas_replication_table_is_read_as_its_source_prints_it() -> None:
    rows = quorum.replicas(WAITING)
    assert [(r.node, r.directory, r.status) for r in rows] == [
        (1, ONE, "Leader"), (0, OLD, "Follower"), (2, TWO, "Follower"), (0, NEW, "Observer")]
    assert quorum.directory_id(a.meta_properties(0, NEW)) == NEW
    with pytest.raises(quorum.Unreadable):
        quorum.replicas("Error while executing metadata quorum command : TimeoutException\n")


def test_a_broker_is_rejoined_only_as_a_voter_with_its_new_directory_id_and_without_its_old_entry() -> None:
    assert quorum.rejoined(quorum.replicas(WAITING), 0, NEW, 3) == (
        f"node 0 with its new directory id {NEW} is an observer, not a voter")
    removed_only = a.replication((1, ONE, "Leader"), (2, TWO, "Follower"), (0, NEW, "Observer"))
    assert "an observer, not a voter" in quorum.rejoined(quorum.replicas(removed_only), 0, NEW, 3)
    both = a.replication((1, ONE, "Leader"), (0, OLD, "Follower"), (2, TWO, "Follower"), (0, NEW, "Follower"))
    assert quorum.rejoined(quorum.replicas(both), 0, NEW, 3) == (
        f"node 0's old voter entry (directory id {OLD}) is still in the quorum")
    assert quorum.rejoined(quorum.replicas(REJOINED), 0, NEW, 3) == ""
    assert quorum.rejoined(quorum.replicas(REJOINED), 0, NEW, 4) == "the quorum has 3 voters (0, 1, 2), not 4"
    assert "no directory.id" in quorum.rejoined(quorum.replicas(REJOINED), 0, "", 3)


def three_brokers(stub: KubectlStub, *tables: str) -> dict[str, Any]:
    """Three brokers; kafka-0 deleted (Terminating, gone, replaced Pending, then Ready); the quorum tables in turn."""
    pods = a.brokers(a.recorded_pods(), 3)
    listings = [pods, a.terminating(pods, "kafka-0"), a.without(pods, "kafka-0"),
                a.replaced(pods, "kafka-0", "kafka-0", ready=False, keep_old=False),
                a.replaced(pods, "kafka-0", "kafka-0", ready=True, keep_old=False)]
    for listing in listings[:-1]:
        stub.on("get", "pods", "-o", "json", stdout=listing, times=1)
    stub.on("get", "pods", "-o", "json", stdout=listings[-1])
    victim = next(p for p in pods["items"] if p["metadata"]["name"] == "kafka-0")
    stub.on("get", "pod", "kafka-0", "-o", "json", stdout=victim)
    stub.on("delete", "pvc", stdout=a.deleted_claims("data-kafka-0"))
    stub.on("delete", "pod", stdout=a.deleted_pod("kafka-0"))
    stub.on("exec", "kafka-0", "-c", "kafka", "--", "bash", "-c", stdout=a.meta_properties(0, NEW))
    for table in tables[:-1]:
        stub.on(*QUORUM, stdout=table, times=1)
    stub.on(*QUORUM, stdout=tables[-1])
    return pods


def drill(screen: io.StringIO | None = None) -> Any:
    return Runner(Kubectl(namespace=a.NAMESPACE), Flowing(), Console(file=screen or io.StringIO(), width=200),
                  a.NAMESPACE, UNTIL_RECOVERED).run_all(select([EXPERIMENT]))


def test_the_broker_and_its_claim_are_deleted_and_it_passes_once_the_new_volume_is_a_voter(
        cluster: KubectlStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lose_volume, "VOTER_POLL_S", 0)
    three_brokers(cluster, WAITING, WAITING, REJOINED)
    screen = io.StringIO()
    result = drill(screen)
    run = result.runs[0]
    changes = [c for c in cluster.commands() if c.startswith("delete")]
    assert changes == ["delete pvc data-kafka-0 --wait=false", "delete pod kafka-0 --wait=false"]
    assert run.outcome == "completed" and run.fault.victim == "kafka-0" and run.fault.ready_before["kafka"] == 3
    assert [c for c in cluster.commands() if c.endswith("describe --replication")] == [" ".join(QUORUM)] * 3
    verified = [s for s in result.steps if s.phase == "verify"]
    assert [s.action for s in verified] == [
        f"node 0 is a voter again (Follower) with its new directory id {NEW}; voters: 1 (Leader), 0 (Follower), "
        "2 (Follower)"]
    waits = [line for line in screen.getvalue().splitlines() if "not yet:" in line]
    assert len(waits) == 1 and waits[0].endswith(  # said once: the second answer was the same
        f"lose-volume-kafka not yet: node 0 with its new directory id {NEW} is an observer, not a voter; asking "
        "every 0 s for up to 120 s")
    inject = next(s for s in result.steps if s.phase == "inject")
    assert inject.detail == 'persistentvolumeclaim "data-kafka-0" deleted; pod "kafka-0" deleted'
    assert analyse(run).passed


def test_a_broker_that_stays_an_observer_fails_the_experiment_with_the_reason(
        cluster: KubectlStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lose_volume, "VOTER_WAIT_S", 0)
    three_brokers(cluster, WAITING)
    run = drill().runs[0]
    assert run.outcome == "failed"
    assert run.reason.startswith("verify failed: kafka-0 did not rejoin the KRaft quorum as a voter within 0 s: "
                                 f"node 0 with its new directory id {NEW} is an observer, not a voter.")
    assert not analyse(run).passed and analyse(run).problems[0] == run.reason


def test_with_one_broker_it_is_refused_in_one_sentence_and_nothing_is_deleted(cluster: KubectlStub) -> None:
    cluster.on("get", "pods", "-o", "json", stdout=a.recorded_pods())
    run = drill().runs[0]
    assert run.outcome == "skipped" and run.reason == (
        "Kafka runs 1 broker, and losing a volume needs 3 (the others keep the quorum and a copy of every reading): "
        "set kafka.replicas: 3 in ca3.yaml and run `ca3 deploy` to include it.")
    assert not [c for c in cluster.commands() if c.startswith(("delete", "exec"))]


def test_the_quorum_script_the_drill_runs_is_where_the_broker_mounts_kafka_scripts() -> None:
    docs = [d for m in render.render(parse({"kafka": {"replicas": 3}}), template_values.placeholders(), 9)
            for d in m.documents]
    statefulset = next(d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "kafka")
    pod = statefulset["spec"]["template"]["spec"]
    [container] = [c for c in pod["containers"] if c["name"] == select([EXPERIMENT])[0].container]
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volume = next(v for v in pod["volumes"] if mounted.get(v["name"]) == posixpath.dirname(kraft.QUORUM_SCRIPT))
    scripts = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == volume["configMap"]["name"])
    assert posixpath.basename(kraft.QUORUM_SCRIPT) in scripts["data"]
    assert "KAFKA_LOG_DIRS" in {e["name"] for e in container["env"]}  # what META_PROPERTIES reads


def exported(replicas: int) -> tuple[dict[str, Any], dict[str, str]]:
    names = topology.of_milestone(parse({"kafka": {"replicas": replicas}}), 9)
    return toolkit.export(select([EXPERIMENT]), a.NAMESPACE, names, 9, enforced=True)


def test_the_export_deletes_the_first_brokers_claim_then_the_pod_and_is_valid_for_chaos_toolkit() -> None:
    files, _ = exported(3)
    doc = files[f"{EXPERIMENT}.json"]
    ensure_experiment_is_valid(doc)
    assert [m["provider"]["arguments"] for m in doc["method"]] == [
        ["--namespace", a.NAMESPACE, "delete", "pvc", "data-kafka-0", "--wait=false"],
        ["--namespace", a.NAMESPACE, "delete", "pod", "kafka-0", "--wait=false"]]
    assert doc["method"][-1]["pauses"] == {"after": 30.0} and doc["rollbacks"] == []


def test_with_one_broker_the_export_leaves_it_out_and_says_why() -> None:
    files, left_out = exported(1)
    assert files == {} and left_out == {
        EXPERIMENT: "it needs 3 Kafka brokers and this milestone renders 1 (kafka.replicas in ca3.yaml)"}


def judged(doc: dict[str, Any]) -> list[bool]:
    """Chaos Toolkit's own steps for the evidence: the dynamic configuration, each probe, its tolerance."""
    configuration = load_dynamic_configuration(dict(doc["configuration"]))
    probes = doc["steady-state-hypothesis"]["probes"][-2:]
    return [bool(within_tolerance(p["tolerance"], run_activity(p, configuration, {}), configuration)) for p in probes]


UID = "729f7764-037e-45ef-9f2a-f98141e14c8a"  # data-kafka-0 as recorded (get-pvc.json)
NEW_UID = "3c0d5e62-8a4b-4f1e-9d27-b6a1c0e4f835"


def test_the_evidence_fails_when_the_claim_was_not_replaced_or_the_broker_is_no_voter(
        kubectl_stub: KubectlStub) -> None:
    doc = exported(3)[0][f"{EXPERIMENT}.json"]
    kubectl_stub.on("get", "pvc", "data-kafka-0", "-o", "jsonpath={.metadata.uid}", stdout=UID)
    again = ("get", "pvc", "data-kafka-0", "-o", f"jsonpath={UID} {{.metadata.uid}}")
    kubectl_stub.on(*again, stdout=f"{UID} {UID}", times=1)  # the jsonpath prints the text, then the live uid
    kubectl_stub.on(*again, stdout=f"{UID} {NEW_UID}")
    kubectl_stub.on(*QUORUM, stdout=WAITING, times=2)
    twice = a.replication((1, ONE, "Leader"), (0, OLD, "Follower"), (2, TWO, "Follower"), (0, NEW, "Follower"))
    kubectl_stub.on(*QUORUM, stdout=twice, times=1)
    kubectl_stub.on(*QUORUM, stdout=REJOINED)
    assert judged(doc) == [False, False]  # the same claim; node 0 waiting as an observer
    assert judged(doc) == [True, False]  # a new claim, but node 0 still an observer
    assert judged(doc) == [True, False]  # node 0 listed twice: its old entry is still a voter
    assert judged(doc) == [True, True]


def test_the_evidence_cannot_pass_when_the_claims_uid_was_not_read_at_the_start(kubectl_stub: KubectlStub) -> None:
    doc = exported(3)[0][f"{EXPERIMENT}.json"]
    kubectl_stub.on("get", "pvc", "data-kafka-0", "-o", "jsonpath={.metadata.uid}",
                    stderr='Error from server (NotFound): persistentvolumeclaims "data-kafka-0" not found\n',
                    returncode=1, times=1)
    # Unread, the variable stays as written, and kubectl prints it as text before the live uid.
    kubectl_stub.on("get", "pvc", "data-kafka-0", stdout=f"${{{lose_volume.CLAIM_UID}}} {NEW_UID}")
    kubectl_stub.on(*QUORUM, stdout=REJOINED)
    assert judged(doc) == [False, True]


def test_an_exec_the_api_server_cannot_forward_is_named_in_the_failure(cluster: KubectlStub,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lose_volume, "VOTER_WAIT_S", 0)
    three_brokers(cluster, REJOINED)
    # Recorded (exec-producer-pod.txt): the API server could not reach the kubelet behind the pod.
    refused = "Error from server: error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused"
    cluster.on("exec", "kafka-0", "-c", "kafka", "--", *lose_volume.META_PROPERTIES, stderr=refused + "\n",
               returncode=1)
    run = drill().runs[0]
    assert run.outcome == "failed" and f"its meta.properties could not be read: {refused}." in run.reason


def test_the_dry_run_lines_pasted_into_bash_make_the_drills_calls(kubectl_stub: KubectlStub) -> None:
    """The `--dry-run` plan as an operator pastes it: the stand-in answers the picks as kubectl's jsonpath would
    print them; the claim is deleted before the pod, then the quorum is read in the new pod."""
    exp = select([EXPERIMENT])[0]
    plan = lose_volume.ACTION.plan(exp, a.NAMESPACE, topology.of_milestone(parse({"kafka": {"replicas": 3}}), 9))
    kubectl_stub.on("get", "pods", "-l", "app=kafka", stdout="kafka-0")
    kubectl_stub.on("get", "pod", "kafka-0", stdout="data-kafka-0")
    kubectl_stub.on("delete", "pvc", stdout=a.deleted_claims("data-kafka-0"))
    kubectl_stub.on("delete", "pod", stdout=a.deleted_pod("kafka-0"))
    kubectl_stub.on(*QUORUM, stdout=REJOINED)
    ran = subprocess.run(["bash", "-euc", "\n".join((*plan.pick, *plan.does))], capture_output=True, text=True,
                         timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    assert kubectl_stub.commands()[2:] == ["delete pvc data-kafka-0 --wait=false", "delete pod kafka-0 --wait=false",
                                           " ".join(QUORUM)]
    assert all(call.flag("--namespace") == a.NAMESPACE for call in kubectl_stub.calls)
