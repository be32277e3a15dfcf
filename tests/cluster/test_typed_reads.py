"""The typed door (ca3cli/edges/kuberead.py) on the real 1.28 recordings, and the one reader of kubectl's Status
reasons (ca3cli/core/errors.status_reason) on the stderr texts recorded in shared/kubectl-recordings/."""

from __future__ import annotations

import pytest

from ca3cli.core import kubeobjects as k
from ca3cli.core.errors import KubectlAnswerError, KubectlError, status_reason
from ca3cli.edges import kuberead
from tests.fixtures.kubectl import fixture_json

ARGS = ["kubectl", "get", "pods", "-o", "json"]


def test_a_recorded_pod_listing_parses_to_its_pods_with_their_container_statuses() -> None:
    pods = kuberead.parse_list(fixture_json("recorded/get-pods.json"), k.Pod, ARGS)
    assert len(pods) == len(fixture_json("recorded/get-pods.json")["items"]) > 0
    assert all(p["status"]["containerStatuses"][0]["restartCount"] >= 0 for p in pods if "status" in p)


def test_a_listing_of_another_kind_is_refused_as_one_sentence_naming_both_kinds() -> None:
    with pytest.raises(KubectlAnswerError) as caught:
        kuberead.parse_list(fixture_json("recorded/get-events.json"), k.Pod, ARGS)
    assert "item 0 is of kind Event, not Pod" in str(caught.value)
    assert "kubectl version --client" in str(caught.value)


def test_an_answer_without_items_or_metadata_is_refused_and_no_answer_is_an_empty_listing() -> None:
    with pytest.raises(KubectlAnswerError, match="no `items` list"):
        kuberead.parse_list({"kind": "List"}, k.Pod, ARGS)
    with pytest.raises(KubectlAnswerError, match=r"item 0 has no metadata\.name"):
        kuberead.parse_list({"items": [{"kind": "Pod"}]}, k.Pod, ARGS)
    assert kuberead.parse_list(None, k.Pod, ARGS) == []
    assert kuberead.parse_object(None, k.Namespace, ARGS) is None


def test_a_workload_read_takes_every_workload_kind_and_a_kind_free_model_takes_any() -> None:
    recorded = fixture_json("recorded/get-all.json")
    kinds = {item["kind"] for item in kuberead.parse_list(recorded, k.AnyObject, ARGS)}
    assert {"Pod", "Service", "Deployment", "StatefulSet"} <= kinds
    workloads = {"items": [i for i in recorded["items"] if i["kind"] in ("Deployment", "StatefulSet", "ReplicaSet")]}
    assert len(kuberead.parse_list(workloads, k.Workload, ARGS)) == len(workloads["items"])


@pytest.mark.parametrize(("stderr", "reason"), [
    # get-deployment-nope.txt, get-namespace-nope.txt, port-forward-svc-nope.txt
    ('Error from server (NotFound): deployments.apps "nope" not found\n', "NotFound"),
    ('Error from server (NotFound): namespaces "nope-ns" not found\n', "NotFound"),
    # apply-server-side-service-nodeport-taken.txt (kubectl prints an Invalid Status without the prefix)
    ('The Service "rec-nodeport" is invalid: spec.ports[0].nodePort: Invalid value: 30300: provided port is already '
     'allocated\n', "Invalid"),
    # exec-producer-pod.txt: the server answered, with a Status that has no reason
    ("Error from server: error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused\n", ""),
    # server-down-version.txt and context-nope-get-pods.txt: no server answer at all
    ("The connection to the server 127.0.0.1:6999 was refused - did you specify the right host or port?\n", ""),
    ("Error in configuration: context was not found for specified context: nope\n", ""),
])
def test_the_api_status_reason_is_read_from_kubectls_recorded_error_texts(stderr: str, reason: str) -> None:
    assert status_reason(stderr) == reason
    assert KubectlError(ARGS, 1, "", stderr).status_reason == reason
