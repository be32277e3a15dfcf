"""Pruning: objects ca3 no longer renders go; data (PVCs) only with --delete-data; controller-made objects never."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ca3cli.core.objects import KubeObject
from ca3cli.operations import prune
from tests.cluster.conftest import Project, Run
from tests.cluster.recorded import recorded
from tests.fixtures.kubectl import KubectlStub, fixture, fixture_json

Ca3 = Callable[..., Run]
KAFKA = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "kafka"},
         "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}
PRODUCER = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "producer"}}


def claim(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}}


def names(refs: list[KubeObject]) -> list[str]:
    return [ref.kubectl_name for ref in refs]


def test_leftovers_are_the_managed_objects_no_longer_rendered_but_never_claims_by_default() -> None:
    live = fixture_json("managed-objects-with-leftovers.json")["items"]
    assert names(prune.leftovers(live, [PRODUCER, KAFKA], delete_data=False)) == ["configmap/producer-legacy-config"]


def test_delete_data_prunes_claims_of_statefulsets_that_are_gone_but_not_of_rendered_ones() -> None:
    live = [claim("data-kafka-0"), claim("data-kafka-1"), claim("data-zookeeper-0"), claim("data-kafkaesque-0")]
    assert names(prune.leftovers(live, [KAFKA], delete_data=True)) == [
        "persistentvolumeclaim/data-zookeeper-0", "persistentvolumeclaim/data-kafkaesque-0"]
    assert prune.leftovers(live, [KAFKA], delete_data=False) == []


def test_objects_made_by_controllers_are_left_to_their_owners() -> None:
    owned = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "kube-root-ca.crt", "ownerReferences": [{"kind": "Deployment", "name": "producer"}]}}
    assert prune.leftovers([owned], [], delete_data=True) == []


def test_same_name_in_another_api_group_is_a_different_object() -> None:
    policy_v1 = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "kafka"}}
    assert names(prune.leftovers([policy_v1], [KAFKA], delete_data=False)) == ["poddisruptionbudget.policy/kafka"]


def test_deploy_prunes_leftovers_in_one_delete_and_keeps_the_claim(project: Project, cluster: KubectlStub,
                                                                     ca3: Ca3) -> None:
    cluster.on("get", ",".join(prune.NAMESPACED_KINDS), stdout=fixture("managed-objects-with-leftovers.json"), times=1)
    cluster.on("get", ",".join(prune.CLUSTER_KINDS), stdout=fixture("managed-cluster-objects.json"), times=1)
    cluster.on("delete", "configmap/producer-legacy-config")
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    [delete] = [call for call in cluster.calls if call.words[0] == "delete"]
    targets = [word for word in delete.words[1:] if "/" in word]
    assert targets == ["configmap/producer-legacy-config", "clusterrole.rbac.authorization.k8s.io/ca3-prometheus",
                       "clusterrolebinding.rbac.authorization.k8s.io/ca3-prometheus"]
    assert not [word for word in delete.words if word.startswith("persistentvolumeclaim")]
    assert "pruned ConfigMap/producer-legacy-config" in result.text


def test_deploy_does_not_prune_when_a_phase_failed(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    failed = recorded("get-job-kafka-topic-create.json")
    failed["status"] = {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                        "message": "Job has reached the specified backoff limit"}], "failed": 5}
    cluster.on("get", "job", stdout=failed)
    cluster.on("get", "pods", stdout=fixture("empty-list.json"))
    cluster.on("get", "events", stdout=fixture("empty-list.json"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "failed: Job failed: Job has reached the specified backoff limit" in result.text
    assert not [c for c in cluster.calls if c.words[0] == "get" and c.words[1] == ",".join(prune.NAMESPACED_KINDS)]


def test_diff_lists_what_would_be_pruned_and_deletes_nothing(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("diff")
    cluster.on("get", ",".join(prune.NAMESPACED_KINDS), stdout=fixture("managed-objects-with-leftovers.json"))
    result = ca3("deploy", "--diff")
    assert result.code == 0, result.text
    assert "would prune ConfigMap/producer-legacy-config" in result.text
    assert "PersistentVolumeClaim" not in result.text
    assert not [c for c in cluster.calls if c.words[0] == "delete"]
