"""The operator's terminal on its own: a change typed before it runs and answered with kubectl's own words (also
when kubectl fails), reads not shown, and which pod is described and whose logs are read after each kind of fault."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from ca3cli.core.errors import KubectlError
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos import observe
from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.model import Fault, Run, Sample
from ca3cli.operations.chaos.operator import Operator, inspected
from tests.chaos import answers as a
from tests.fixtures.kubectl import KubectlStub


def terminal() -> tuple[Operator, io.StringIO]:
    screen = io.StringIO()
    return Operator(Kubectl(namespace=a.NAMESPACE), Console(file=screen, width=120)), screen


def test_a_change_is_typed_then_answered_and_a_read_is_not_shown(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))
    kubectl_stub.on("get", "pods", stdout=a.recorded_pods())
    operator, screen = terminal()
    door = operator.door()
    door.get_json("get", "pods")
    door.run("delete", "pod", a.PRODUCER, "--wait=false", mutating=True)
    assert screen.getvalue().splitlines() == [f"$ kubectl -n {a.NAMESPACE} delete pod {a.PRODUCER} --wait=false",
                                              f'pod "{a.PRODUCER}" deleted']
    assert [c.words[:2] for c in kubectl_stub.calls] == [["get", "pods"], ["delete", "pod"]]


def test_a_failed_change_shows_what_kubectl_said_and_still_raises(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("delete", "pod", returncode=1, stderr=f'Error from server (NotFound): pods "{a.PRODUCER}" '
                                                          "not found\n")
    operator, screen = terminal()
    with pytest.raises(KubectlError):
        operator.door().run("delete", "pod", a.PRODUCER, mutating=True)
    assert screen.getvalue().splitlines()[-1] == f'Error from server (NotFound): pods "{a.PRODUCER}" not found'


def test_a_read_the_operator_runs_is_shown_and_kept_with_its_moment(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("logs", stderr=a.logs_unreachable(), returncode=1)
    operator, screen = terminal()
    operator.experiment = "delete-pod-producer"
    operator.run("logs", "logs", a.REPLACEMENT, "--tail=10")
    kept = operator.screens[0]
    assert (kept.experiment, kept.moment, kept.command) == ("delete-pod-producer", "logs",
                                                            f"kubectl -n {a.NAMESPACE} logs {a.REPLACEMENT} --tail=10")
    assert kept.output == a.logs_unreachable().strip() and kept.output in screen.getvalue()


def run_of(name: str, listing: dict[str, object], victim: str) -> Run:
    pods = observe.pod_states(listing)
    before = next(p for p in observe.pod_states(a.recorded_pods()) if p.name == victim)
    return Run(select([name])[0], "completed", "", Fault(victim, before.uid, injected_at=1.0),
               (Sample(5.0, "2026-12-01T08:00:15Z", pods, 4.0, 0.0),))


def test_after_a_deletion_the_replacement_is_inspected_after_a_killed_process_the_same_pod_previous() -> None:
    replaced = a.replaced(a.recorded_pods(), a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=True)
    assert inspected(run_of("delete-pod-producer", replaced, a.PRODUCER)) == (a.REPLACEMENT, False)
    restarted = a.restarted(a.recorded_pods(), a.PROCESSOR, 1, ready=True)
    assert inspected(run_of("kill-main-processor", restarted, a.PROCESSOR)) == (a.PROCESSOR, True)
    kafka = a.replaced(a.recorded_pods(), "kafka-0", "kafka-0", ready=True, keep_old=False)
    assert inspected(run_of("delete-pod-kafka", kafka, "kafka-0")) == ("kafka-0", False)  # same name, new pod
