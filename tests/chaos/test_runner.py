"""Each kind of experiment through the stand-in kubectl: the calls made, the rollback, what the report says,
including a failure midway and Ctrl-C."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from ca3cli.core.settings import Settings
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos import inject, model, recovery, session
from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.model import Experiment
from ca3cli.operations.chaos.recovery import analyse
from ca3cli.operations.chaos.runner import Interrupted, Runner, Timing
from tests.chaos import answers as a
from tests.chaos.flowing import Flowing
from tests.chaos.timelines import readings
from tests.fixtures.kubectl import KubectlStub

FAST = Timing(interval_s=0, steady_timeout_s=0, measure_timeout_s=3, settle_s=0)


def kubectl() -> Kubectl:
    return Kubectl(namespace=a.NAMESPACE)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def pods_sequence(stub: KubectlStub, *listings: dict[str, object]) -> None:
    """`get pods` answers these in turn, the last one from then on."""
    for listing in listings[:-1]:
        stub.on("get", "pods", "-o", "json", stdout=listing, times=1)
    stub.on("get", "pods", "-o", "json", stdout=listings[-1])


def one(name: str) -> Experiment:
    return select([name])[0]


def test_delete_pod_is_measured_and_passes_when_the_replacement_is_ready_and_nothing_is_lost(
        cluster: KubectlStub, tmp_path: Path) -> None:
    pods = a.recorded_pods()
    pods_sequence(cluster, pods, a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=False, keep_old=True),
                  a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=False))
    cluster.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))
    replacement = f"{a.REPLACEMENT}@{int(time.time() * 1000)}"  # its process started now, within the window
    stored = readings(f"{a.PRODUCER}@1796000000000", range(100, 120)) + readings(replacement, range(0, 30),
                                                                                  start_s=16)
    data = Flowing(stored)
    finished = session.drill(kubectl(), _settings(), [one("delete-pod-producer")], quiet(), secrets_folder=tmp_path,
                             out=tmp_path / "outputs", timing=FAST, data=data)
    run, result = finished.drill.runs[0], finished.results[0]
    assert "delete pod producer-848b9d6d7-gvhjt --wait=false" in cluster.commands()
    assert run.outcome == "completed" and run.fresh_producers == (replacement,)
    assert result.ready_s is not None and result.flowing_s is not None and result.seqs.lost == 0
    assert result.passed and finished.passed
    # The operator's look at the last 15 s of readings, then the count over the experiment's window.
    assert len(data.asked) == 2 and data.asked[0][1] - data.asked[0][0] == pytest.approx(15)
    assert data.asked[1][0] < data.asked[1][1]
    report = (tmp_path / "outputs" / "resilience-report.md").read_text()
    assert "**1 of 1 experiments passed**" in report and "| readings lost | 0 | 0 | ok |" in report
    assert "rollback: nothing to undo: its Deployment or StatefulSet creates the replacement (ok)" in report
    journal = (tmp_path / "outputs" / "chaos-journal.json").read_text()
    assert model.from_json(journal) == finished.drill
    assert (tmp_path / "outputs" / "recovery-timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_kill_main_sends_sigterm_to_pid_1_and_waits_for_the_restart_in_place(cluster: KubectlStub) -> None:
    pods = a.recorded_pods()
    pods_sequence(cluster, pods, a.restarted(pods, a.PROCESSOR, 1, ready=False),
                  a.restarted(pods, a.PROCESSOR, 1, ready=True))
    cluster.on("exec", stdout="")
    drill = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([one("kill-main-processor")])
    execs = [c.words for c in cluster.calls if c.words[0] == "exec"]
    assert execs == [["exec", a.PROCESSOR, "-c", "processor", "--", "python", "-c",
                      "import os, signal; os.kill(1, signal.SIGTERM)"]]
    run = drill.runs[0]
    assert (run.fault.victim, run.fault.restarts_before) == (a.PROCESSOR, 0)
    assert analyse(run).ready_s is not None and analyse(run).passed


def cut_off_cluster(stub: KubectlStub, plugin: str) -> None:
    pods = a.recorded_pods()
    pods_sequence(stub, pods)
    stub.on("get", "daemonsets", stdout=a.system_daemonsets(plugin, "kube-proxy"))
    only_processor = {**pods, "items": [p for p in pods["items"] if p["metadata"]["name"] == a.PROCESSOR]}
    stub.on("get", "pods", "-l", "app=processor", stdout=only_processor)
    stub.on("get", "networkpolicies", stdout=a.recorded_policies())
    stub.on("delete", "networkpolicy", stdout=a.deleted_policies("processor", "processor-metrics"))
    stub.on("apply", stdout=a.applied_policies("processor", "processor-metrics"))


def test_cut_off_removes_the_tiers_allow_policies_and_restores_them_once(cluster: KubectlStub) -> None:
    cut_off_cluster(cluster, "calico-node")
    exp = replace(one("cut-off-processor"), hold_s=0)
    drill = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([exp])
    commands = cluster.commands()
    deleted = commands.index("delete networkpolicy processor processor-metrics --wait=false")
    applies = [i for i, c in enumerate(commands) if c.startswith("apply --server-side")]
    assert len(applies) == 1 and applies[0] > deleted
    restored = cluster.calls[applies[0]].stdin or ""
    assert "name: processor\n" in restored and "name: processor-metrics\n" in restored
    assert "resourceVersion" not in restored and "uid:" not in restored
    run = drill.runs[0]
    assert run.fault.lifted_at is not None and run.outcome == "completed"
    assert [s.phase for s in drill.steps if s.action.startswith("restore")] == ["lift"]


def test_cut_off_is_skipped_with_the_reason_where_policies_are_not_enforced(cluster: KubectlStub) -> None:
    cut_off_cluster(cluster, "kindnet")
    drill = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([one("cut-off-processor")])
    run = drill.runs[0]
    assert run.outcome == "skipped" and "(kindnet, kube-proxy) does not enforce NetworkPolicies" in run.reason
    assert not [c for c in cluster.commands() if c.startswith(("delete", "apply"))]


def test_drain_is_skipped_on_a_single_node_cluster(cluster: KubectlStub) -> None:
    pods_sequence(cluster, a.recorded_pods())
    cluster.on("get", "nodes", stdout=a.recorded_nodes())
    run = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([one("drain-node")]).runs[0]
    assert run.outcome == "skipped" and run.reason.startswith("The cluster has one node (node-1)")
    assert not [c for c in cluster.commands() if c.startswith("drain")]


def test_a_drain_that_fails_midway_is_uncordoned_and_reported(cluster: KubectlStub, tmp_path: Path) -> None:
    pods_sequence(cluster, a.recorded_pods())
    cluster.on("get", "nodes", stdout=a.two_nodes())
    out, err = a.drain_blocked("node-1")
    cluster.on("drain", stdout=out, stderr=err, returncode=1)
    cluster.on("uncordon", stdout=a.uncordoned("node-1"))
    finished = session.drill(kubectl(), _settings(), [one("drain-node")], quiet(), secrets_folder=tmp_path,
                             out=tmp_path, timing=FAST, data=Flowing())
    commands = cluster.commands()
    drain = next(i for i, c in enumerate(commands) if c.startswith("drain node-1 --ignore-daemonsets"))
    assert [c for c in commands[drain + 1:] if not c.startswith("get ")] == ["uncordon node-1"]  # reads: the watch
    run, result = finished.drill.runs[0], finished.results[0]
    assert run.outcome == "failed" and run.reason.startswith("inject failed: `kubectl drain node-1 --ignore-daemonsets")
    assert run.reason.endswith('exited 1: error: unable to drain node "node-1" due to error:global timeout reached: '
                               "2m0s, continuing command...")
    assert not result.passed and not finished.passed
    report = (tmp_path / "resilience-report.md").read_text()
    assert "**FAILED**: inject failed" in report and "rollback: uncordon node node-1 (ok)" in report


def test_a_kubectl_failure_while_measuring_still_restores_the_policies(cluster: KubectlStub) -> None:
    cut_off_cluster(cluster, "cilium")
    pods = a.recorded_pods()
    cluster.on("get", "pods", "-o", "json", stdout=pods, times=1)
    cluster.on("get", "pods", "-o", "json", stderr="error: You must be logged in to the server (Unauthorized)\n",
               returncode=1)
    run = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([one("cut-off-processor")]).runs[0]
    assert run.outcome == "failed" and run.reason.startswith("measure failed:")
    assert cluster.commands()[-1].startswith("apply --server-side")
    assert analyse(run).problems[0] == run.reason


def test_ctrl_c_while_cut_off_restores_the_policies_and_the_report_says_so(cluster: KubectlStub,
                                                                        tmp_path: Path) -> None:
    cut_off_cluster(cluster, "calico-node")
    data = Flowing(interrupt_at=3)  # steady state, one measured sample, then Ctrl-C
    with pytest.raises(Interrupted) as stopped:
        session.drill(kubectl(), _settings(), [one("cut-off-processor"), one("delete-pod-producer")], quiet(),
                      secrets_folder=tmp_path, out=tmp_path, timing=FAST, data=data)
    drill = stopped.value.drill
    assert drill.interrupted and [r.outcome for r in drill.runs] == ["interrupted"]
    assert [c for c in cluster.commands() if c.startswith("apply")] and "delete pod" not in " ".join(
        cluster.commands())
    assert stopped.value.files == [tmp_path / "resilience-report.md", tmp_path / "recovery-timeline.png",
                                   tmp_path / "chaos-journal.json", tmp_path / "pod-recovery.txt",
                                   tmp_path / "pod-recovery-cut-off-processor.png"]
    report = (tmp_path / "resilience-report.md").read_text()
    assert "**The drill was interrupted (Ctrl-C)**" in report
    assert "Interrupted by Ctrl-C during measure; what it changed was undone." in report
    assert "rollback: restore NetworkPolicies processor, processor-metrics (ok)" in report


def test_an_unsteady_pipeline_is_not_injected(cluster: KubectlStub) -> None:
    pods_sequence(cluster, a.unready(a.recorded_pods(), a.PRODUCER))
    run = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, FAST).run_all([one("delete-pod-producer")]).runs[0]
    assert run.outcome == "not-steady" and "producer has 0 of 1 pods Ready" in run.reason
    assert not [c for c in cluster.commands() if c.startswith("delete")]


def _settings() -> Settings:
    return Settings()


def test_a_second_ctrl_c_during_the_rollback_does_not_stop_the_restore(cluster: KubectlStub,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cut_off_cluster(cluster, "calico-node")
    real_restore, tries = inject.restore, []

    def interrupted_once(kubectl: Kubectl, stream: str) -> None:
        tries.append(stream)
        if len(tries) == 1:
            raise KeyboardInterrupt  # the second Ctrl-C, while the policies are being restored
        real_restore(kubectl, stream)

    monkeypatch.setattr(inject, "restore", interrupted_once)
    with pytest.raises(Interrupted) as stopped:
        Runner(kubectl(), Flowing(interrupt_at=3), quiet(), a.NAMESPACE, FAST).run_all([one("cut-off-processor")])
    assert len(tries) == 2 and [c for c in cluster.commands() if c.startswith("apply")]
    run = stopped.value.drill.runs[0]
    assert run.outcome == "interrupted" and run.reason.startswith("Interrupted by Ctrl-C during measure")
    assert [(s.phase, s.detail) for s in stopped.value.drill.steps if s.action.startswith("restore")] == [
        ("rollback", "after a Ctrl-C")]


def test_ctrl_c_while_waiting_for_steady_state_changes_nothing(cluster: KubectlStub) -> None:
    pods_sequence(cluster, a.unready(a.recorded_pods(), a.PRODUCER))
    waiting = replace(FAST, steady_timeout_s=60)
    with pytest.raises(Interrupted) as stopped:
        Runner(kubectl(), Flowing(interrupt_at=3), quiet(), a.NAMESPACE, waiting).run_all(
            [one("delete-pod-producer"), one("delete-pod-kafka")])
    assert [(r.experiment.name, r.outcome, r.reason) for r in stopped.value.drill.runs] == [
        ("delete-pod-producer", "interrupted", "Interrupted by Ctrl-C before the fault; nothing was changed.")]
    assert not [c for c in cluster.commands() if c.startswith(("delete", "apply", "exec", "drain"))]


def test_a_statefulset_pod_replaced_under_the_same_name_counts_as_replaced_only_once_it_is_new(
        cluster: KubectlStub) -> None:
    pods = a.recorded_pods()
    gone = a.without(pods, "kafka-0")
    pods_sequence(cluster, pods, a.terminating(pods, "kafka-0"), gone,
                  a.replaced(pods, "kafka-0", "kafka-0", ready=False, keep_old=False),
                  a.replaced(pods, "kafka-0", "kafka-0", ready=True, keep_old=False))
    cluster.on("delete", "pod", stdout=a.deleted_pod("kafka-0"))
    until_recovered = replace(FAST, measure_timeout_s=120)  # every answer is sampled however slow the machine is
    run = Runner(kubectl(), Flowing(), quiet(), a.NAMESPACE, until_recovered).run_all([one("delete-pod-kafka")]).runs[0]
    assert run.fault.victim == "kafka-0" and run.fault.victim_uid
    ready_per_sample = [recovery.replaced(s, run) for s in run.samples[1:]]
    assert ready_per_sample == [False, False, False, True]
    assert run.outcome == "completed" and analyse(run).ready_s is not None
