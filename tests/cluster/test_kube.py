"""The one kubectl runner: flags, readable errors, timeouts, dry-run of mutating calls, and the run-log hook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ca3cli.core.errors import KubectlError, KubectlNotFound, KubectlTimeout
from ca3cli.edges.kube import Kubectl, Result
from tests.fixtures.kubectl import KubectlStub


def test_context_and_namespace_come_first_and_cluster_calls_skip_the_namespace(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get")
    kubectl = Kubectl(context="kind-ca3", namespace="conveyor-pipeline")
    kubectl.run("get", "pods")
    kubectl.run("get", "nodes", namespaced=False)
    assert [call.argv for call in kubectl_stub.calls] == [
        ["--context", "kind-ca3", "--namespace", "conveyor-pipeline", "get", "pods"],
        ["--context", "kind-ca3", "get", "nodes"]]


def test_a_failure_carries_the_command_exit_code_and_stderr(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", returncode=1, stderr='Error from server (NotFound): deployments.apps "x" not found\n')
    with pytest.raises(KubectlError) as caught:
        Kubectl().run("get", "deployment/x")
    assert str(caught.value) == ('`kubectl get deployment/x` failed with exit code 1:\n'
                                 '    Error from server (NotFound): deployments.apps "x" not found')


def test_ok_codes_accept_a_non_zero_exit(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("diff", returncode=1, stdout="+ replicas: 2\n")
    assert Kubectl().run("diff", "-f", "-", input="", ok_codes=(0, 1)).returncode == 1


def test_a_hung_kubectl_becomes_a_timeout_error_and_is_reported(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", delay=5)
    seen: list[Result] = []
    with pytest.raises(KubectlTimeout, match=re.escape("did not finish within 0.3s")):
        Kubectl(on_result=seen.append).run("get", "pods", timeout=0.3)
    assert [result.returncode for result in seen] == [-1]


def test_every_finished_call_reaches_the_hook_without_stdin(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("apply", stdout="secret/x serverside-applied\n")
    seen: list[Result] = []
    Kubectl(on_result=seen.append).run("apply", "-f", "-", input="stringData: {password: hunter2hunter2}")
    assert seen[0].stdout == "secret/x serverside-applied\n"
    assert "hunter2hunter2" not in repr(seen)
    assert kubectl_stub.calls[0].stdin == "stringData: {password: hunter2hunter2}"


def test_mutating_calls_are_not_run_in_dry_run(kubectl_stub: KubectlStub) -> None:
    Kubectl(dry_run=True).run("delete", "pod/x", mutating=True)
    assert kubectl_stub.calls == []


def test_missing_kubectl_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KubectlNotFound, match=re.escape("was not found on PATH. Install kubectl")):
        Kubectl().run("version")
