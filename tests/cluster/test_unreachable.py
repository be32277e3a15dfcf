"""Every command that talks to the cluster stops with the same preflight sentence when it does not answer, naming
the context actually used and kubectl's own reason, never kubectl's internal klog lines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.edges import kube
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]

KLOG = ('E1201 08:00:00.123456   4711 memcache.go:265] couldn\'t get current server API group list: Get '
        '"https://127.0.0.1:6443/api?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection refused\n')
REFUSED = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?"
COMMANDS = (("deploy", "-m", "1"), ("validate",), ("status",), ("open", "grafana"), ("evidence",),
            ("destroy", "--yes"))


def server_down(stub: KubectlStub) -> None:
    """What kubectl 1.28 prints for `version -o json` with nothing listening: client JSON on stdout, exit 1."""
    stub.on("version", returncode=1, stdout='{"clientVersion": {"major": "1", "minor": "28"}}\n',
            stderr=KLOG + KLOG + REFUSED + "\n")


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_cluster_command_gives_the_same_unreachable_sentence_naming_the_context(
        project: Project, kubectl_stub: KubectlStub, ca3: Ca3, command: tuple[str, ...],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA3_OBSERVABILITY_IMAGE_RENDERER", "true")  # so evidence gets as far as the cluster
    server_down(kubectl_stub)
    result = ca3(*command)
    assert result.code == 1
    assert f"Cannot reach the cluster of context `kind-ca3`: {REFUSED}. Start the cluster" in result.text
    assert "memcache.go" not in result.text and "Traceback" not in result.text
    assert [call.words[0] for call in kubectl_stub.calls] == ["version"]


def test_without_a_chosen_context_the_sentence_names_the_kubeconfigs_current_one(
        project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    (project.path / "ca3.yaml").write_text("cluster:\n  flavour: kind\n")
    server_down(kubectl_stub)
    kubectl_stub.on("config", "current-context", stdout="kind-demo\n")
    result = ca3("status")
    assert result.code == 1
    assert "Cannot reach the cluster of context `kind-demo` (the current context):" in result.text


def test_without_any_current_context_the_sentence_says_none_is_set(project: Project, kubectl_stub: KubectlStub,
                                                                   ca3: Ca3) -> None:
    (project.path / "ca3.yaml").write_text("cluster:\n  flavour: kind\n")
    kubectl_stub.on("version", returncode=1, stderr="error: current-context is not set\n")
    kubectl_stub.on("config", "current-context", returncode=1, stderr="error: current-context is not set\n")
    result = ca3("validate")
    assert result.code == 1
    assert "Cannot reach the cluster of context (none: the kubeconfig sets no current context): error: " \
           "current-context is not set." in result.text


@pytest.mark.parametrize(("output", "expected"), [
    (KLOG + REFUSED + "\n", REFUSED),
    ("\n  \n", ""),
    ("Error from server (Forbidden): nope\n", "Error from server (Forbidden): nope"),
    ("W1201 08:00:00.1 1 loader.go:222] config not found\n", ""),
])
def test_reason_is_kubectls_last_line_that_is_not_its_internal_log(output: str, expected: str) -> None:
    assert kube.reason(output) == expected
