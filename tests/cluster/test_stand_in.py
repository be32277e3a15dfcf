"""The stand-in kubectl itself: it must answer what was registered, record calls, and fail loudly otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.kubectl import KubectlStub

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str, stdin: str | None = None, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def test_registered_answer_is_replayed_and_call_recorded(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", "pods", stdout='{"items": []}', stderr="warn", returncode=0)
    result = run("kubectl", "--context", "kind-ca3", "-n", "conveyor-pipeline", "get", "pods", "-o", "json")
    assert (result.returncode, result.stdout, result.stderr) == (0, '{"items": []}', "warn")
    [call] = kubectl_stub.calls
    assert call.argv == ["--context", "kind-ca3", "-n", "conveyor-pipeline", "get", "pods", "-o", "json"]
    assert call.words == ["get", "pods", "-o", "json"]
    assert call.flag("--context") == "kind-ca3"


def test_unmatched_call_exits_one_and_fails_the_test_at_teardown(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", "pods")
    result = run("kubectl", "delete", "namespace", "conveyor-pipeline")
    assert result.returncode == 1
    assert "stand-in kubectl: no answer registered for: delete namespace conveyor-pipeline" in result.stderr
    assert [str(call) for call in kubectl_stub.unmatched] == ["kubectl delete namespace conveyor-pipeline"]
    kubectl_stub.allow_unmatched = True  # this test provokes it on purpose


def test_unmatched_call_makes_a_test_fail(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.fixtures.kubectl"]')
    pytester.makepyfile(
        """
        import subprocess
        def test_forgets_to_register(kubectl_stub):
            subprocess.run(["kubectl", "get", "nodes"], capture_output=True, check=False)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*calls no rule answered*", "*kubectl get nodes*"])


def test_a_required_rule_never_used_makes_a_test_fail_and_a_used_one_does_not(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.fixtures.kubectl"]')
    pytester.makepyfile(
        """
        import subprocess
        def test_expects_a_load_that_never_comes(kubectl_stub):
            kubectl_stub.tool("kind").on("load", "docker-image", required=True)
            kubectl_stub.docker.on("build", required=True)
            subprocess.run(["docker", "build", "-t", "x", "."], capture_output=True, check=True)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*never made these required calls*", "*kind load docker-image*"])
    result.stdout.no_fnmatch_line("*  docker build*")


def test_longest_rule_wins_and_limited_rules_answer_before_the_general_one(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", stdout="any get")
    kubectl_stub.on("get", "pods", stdout="later")
    kubectl_stub.on("get", "pods", stdout="first", times=1)
    kubectl_stub.on("get", "pods", stdout="second", times=1)
    outputs = [run("kubectl", "get", "pods").stdout for _ in range(4)]
    assert outputs == ["first", "second", "later", "later"]
    assert run("kubectl", "get", "nodes").stdout == "any get"


def test_an_unlimited_rule_registered_later_overrides_an_earlier_one(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("rollout", "status", stdout="shared default")
    kubectl_stub.on("rollout", "status", returncode=1, stderr="error: timed out waiting for the condition")
    assert run("kubectl", "rollout", "status", "deployment/producer").returncode == 1


def test_stdin_is_recorded_for_apply_from_stdin_only(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("apply")
    run("kubectl", "apply", "--server-side", "-f", "-", stdin="kind: Secret\n")
    run("kubectl", "apply", "-f", "k8s/namespace.yaml", stdin="ignored")
    assert [call.stdin for call in kubectl_stub.calls] == ["kind: Secret\n", None]


def test_delay_provokes_a_timeout(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("rollout", "status", delay=5)
    with pytest.raises(subprocess.TimeoutExpired):
        run("kubectl", "rollout", "status", "deployment/producer", timeout=0.5)


def test_port_forward_prints_real_line_and_stays_up(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("port-forward", forward_to=41234)
    proc = subprocess.Popen(["kubectl", "port-forward", "svc/grafana-service", ":3000"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "Forwarding from 127.0.0.1:41234 -> 3000"
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_docker_and_kind_are_separate_stand_ins(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.docker.on("build", stdout="built")
    kubectl_stub.tool("kind").on("load", "docker-image")
    assert run("docker", "build", "-t", "ca3/producer:0.1.0", "apps/producer").stdout == "built"
    assert run("kind", "load", "docker-image", "ca3/producer:0.1.0").returncode == 0
    assert kubectl_stub.docker.commands() == ["build -t ca3/producer:0.1.0 apps/producer"]
    assert kubectl_stub.calls == []


def test_guard_fails_any_kubectl_outside_the_stub() -> None:
    result = run("kubectl", "get", "pods")
    assert result.returncode == 97
    assert "must not reach a real cluster" in result.stderr
