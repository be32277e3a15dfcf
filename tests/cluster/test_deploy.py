"""`ca3 deploy` against the stand-in kubectl: the calls, their order, and what happens when the cluster says no."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.edges.runlog import secret_forms
from ca3cli.operations import prune
from tests.cluster.conftest import CONTEXT, NAMESPACE, WAITED_KINDS, Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture

Ca3 = Callable[..., Run]
NAMESPACED = ",".join(prune.NAMESPACED_KINDS)
CLUSTER = ",".join(prune.CLUSTER_KINDS)
PREFLIGHT = ("version", "get storageclasses", "get services", "get apiservice", "get namespace")
DATA_WAITS = ("get statefulset/kafka", "get job/kafka-topic-create-*", "get statefulset/influxdb")
APP_WAITS = ("get deployment/producer", "get deployment/processor", "get deployment/grafana")
PRUNE_READS = (f"get {NAMESPACED}", f"get {CLUSTER}")


def label(words: list[str]) -> str:
    """A call as a short label: the verb and the object it is about (a hashed Job name as `-*`)."""
    if words[0] in ("apply", "version"):
        return words[0]
    if words[1] in WAITED_KINDS:
        name = "kafka-topic-create-*" if words[2].startswith("kafka-topic-create-") else words[2]
        return f"get {words[1]}/{name}"
    return f"{words[0]} {words[1]}"


def positions(order: list[str], labels: tuple[str, ...]) -> list[int]:
    """Where each call of `labels` was made (every label at least once)."""
    found = [index for index, label_ in enumerate(order) if label_ in labels]
    assert {order[index] for index in found} == set(labels), f"{labels} not all called in {order}"
    return found


def test_deploy_applies_phases_in_dependency_order_and_waits_for_each(project: Project, cluster: KubectlStub,
                                                                       ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    order = [label(call.words) for call in cluster.calls]
    applies = positions(order, ("apply",))
    assert len(applies) == 4, order  # namespace, secrets and policies, then kafka+influxdb, then the apps
    assert max(positions(order, PREFLIGHT)) < applies[0]
    data_waits, app_waits = positions(order, DATA_WAITS), positions(order, APP_WAITS)
    assert applies[2] < min(data_waits) and max(data_waits) < applies[3] < min(app_waits)
    assert max(app_waits) < min(positions(order, PRUNE_READS))
    applies = [call for call in cluster.calls if call.words[0] == "apply"]
    assert all(call.words[:4] == ["apply", "--server-side", "--field-manager=ca3", "-f"] for call in applies)
    assert "kind: Namespace" in (applies[0].stdin or "") and "kind: StatefulSet" not in (applies[0].stdin or "")
    assert "name: kafka\n" in (applies[2].stdin or "") and "kind: Deployment" not in (applies[2].stdin or "")
    assert all(call.flag("--context") == CONTEXT for call in cluster.calls)
    assert all(call.flag("--namespace") == NAMESPACE for call in applies)
    polls = [call for call in cluster.calls if call.words[1] in WAITED_KINDS]
    assert all(call.words[3:] == ["--ignore-not-found", "-o", "json"] for call in polls)
    assert "statefulset/kafka: Current (All replicas scheduled as expected. Replicas: 1)" in result.text
    assert "Milestone 1 deployed" in result.text


def test_secrets_go_to_kubectl_on_stdin_only_never_argv_run_log_or_disk(project: Project, cluster: KubectlStub,
                                                                        ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    values = secret_forms(v for v in project.secrets.values() if len(v) >= 8)  # as given, and base64 (`data`)
    stdin = "".join(call.stdin or "" for call in cluster.calls)
    assert any(value in stdin for value in values), "the Secrets were not applied at all"
    argv = " ".join(" ".join(call.argv) for call in cluster.calls)
    assert not [v for v in values if v in argv]
    [log] = project.run_logs()
    assert not [v for v in values if v in log.read_text()]
    assert not [v for v in values if v in result.out + result.err]
    written = [p for p in project.path.rglob("*") if p.is_file() and ".ca3/secrets" not in str(p)]
    assert not [p for p in written for v in values if v in p.read_text(errors="ignore")]


def test_run_log_records_each_call_and_the_outcome(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    assert ca3("deploy", "-m", "1").code == 0
    [log] = project.run_logs()
    text = log.read_text()
    assert log.name.startswith("deploy-")
    assert f"$ kubectl --context {CONTEXT} --namespace {NAMESPACE} get statefulset kafka --ignore-not-found" in text
    assert "statefulset/kafka: Current (All replicas scheduled as expected. Replicas: 1)" in text
    assert "Phase 3: kafka, influxdb" in text
    assert text.strip().splitlines()[-1].split(" ", 1)[1].startswith("OK:")


def test_deploy_stops_with_the_reason_when_the_cluster_refuses_an_apply(project: Project, cluster: KubectlStub,
                                                                       ca3: Ca3) -> None:
    cluster.on("apply", times=2)  # phases 1 and 2 are accepted
    cluster.on("apply", times=1, returncode=1, stderr=(
        'Error from server (Invalid): StatefulSet.apps "kafka" is invalid: spec: Forbidden: updates to statefulset '
        "spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\n"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "The cluster refused phase 3 (kafka, influxdb):" in result.text
    assert 'StatefulSet.apps "kafka" is invalid' in result.text
    assert "Traceback" not in result.text
    assert not [c for c in cluster.calls if c.words[1] in WAITED_KINDS]


def test_unreachable_cluster_is_one_sentence_without_traceback(project: Project, kubectl_stub: KubectlStub,
                                                                ca3: Ca3) -> None:
    kubectl_stub.on("version", returncode=1, stdout='{"clientVersion": {"major": "1", "minor": "34"}}\n',
                    stderr="The connection to the server 127.0.0.1:39021 was refused - "
                           "did you specify the right host or port?\n")
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert (f"Cannot reach the cluster of context `{CONTEXT}`: "
            "The connection to the server 127.0.0.1:39021 was refused") in result.text
    assert "choose another context with `ca3 --context NAME ...`" in result.text
    assert "Traceback" not in result.text
    assert kubectl_stub.commands() == ["version --request-timeout=15s -o json"]


def test_missing_kubectl_says_how_to_install_it(project: Project, ca3: Ca3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(project.path / "empty-bin"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "`kubectl` was not found on PATH. Install kubectl" in result.text
    assert "Traceback" not in result.text


def test_dry_run_is_offline_and_prints_the_plan(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    result = ca3("deploy", "--dry-run", "-m", "1")
    assert result.code == 0, result.text
    assert kubectl_stub.calls == []
    assert "Phase 3: kafka, influxdb" in result.out
    assert "wait statefulset/kafka until Current, at most 600s" in result.text
    assert "nothing was sent to a cluster" in result.text


def test_dry_run_works_before_init_with_placeholder_secrets(project: Project, kubectl_stub: KubectlStub,
                                                            ca3: Ca3) -> None:
    for path in (project.path / ".ca3" / "secrets").iterdir():
        path.unlink()
    (project.path / ".ca3" / "secrets").rmdir()
    result = ca3("deploy", "--dry-run")
    assert result.code == 0, result.text
    assert kubectl_stub.calls == []


def test_server_dry_run_sends_every_phase_with_the_flag_and_waits_for_nothing(project: Project, cluster: KubectlStub,
                                                                              ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "1", "--dry-run=server")
    assert result.code == 0, result.text
    applies = [call for call in cluster.calls if call.words[0] == "apply"]
    assert len(applies) == 4 and all("--dry-run=server" in call.words for call in applies)
    assert not [c for c in cluster.calls if c.words[0] == "delete" or c.words[1] in WAITED_KINDS]
    assert not [c for c in cluster.calls if c.words[0] == "exec" or c.words[:2] == ["get", "secret"]]  # tokens
    assert "nothing was changed" in result.text


def test_diff_exit_code_one_means_changes_not_failure(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("diff", returncode=1, stdout="diff -u -N /tmp/LIVE/apps.v1.Deployment.conveyor-pipeline.producer\n"
                                            "-  replicas: 1\n+  replicas: 2\n")
    result = ca3("deploy", "-m", "1", "--diff")
    assert result.code == 0, result.text
    assert "+ replicas: 2" in result.text
    [diff_call] = [c for c in cluster.calls if c.words[0] == "diff"]
    assert diff_call.words[:3] == ["diff", "--server-side", "--field-manager=ca3"]
    assert "kind: Secret" in (diff_call.stdin or "")
    assert not [c for c in cluster.calls if c.words[0] in ("apply", "delete") or c.words[1] in WAITED_KINDS]


def test_diff_exit_code_above_one_is_an_error(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("diff", returncode=2, stderr='error: namespaces "conveyor-pipeline" not found\n')
    result = ca3("deploy", "-m", "1", "--diff")
    assert result.code == 1
    assert 'namespaces "conveyor-pipeline" not found' in result.text


def test_dry_run_and_diff_together_are_refused(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    result = ca3("deploy", "--dry-run", "--diff")
    assert result.code == 2
    assert "--diff and --dry-run cannot be combined" in result.text
    assert kubectl_stub.calls == []


def test_unknown_milestone_is_a_sentence(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    result = ca3("deploy", "-m", "42", "--dry-run")
    assert result.code == 2
    assert "Unknown milestone 42" in result.text


def test_a_secret_echoed_back_by_kubectl_is_redacted_on_screen_and_in_the_run_log(project: Project,
                                                                                  cluster: KubectlStub,
                                                                                  ca3: Ca3) -> None:
    password = project.secrets["influxdb_admin_password"]
    cluster.on("apply", times=1)
    cluster.on("apply", times=1, returncode=1,
               stderr=f'Error from server (BadRequest): Secret "influxdb-auth" is invalid: data: "{password}"\n')
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert password not in result.out + result.err
    assert 'Secret "influxdb-auth" is invalid: data: "[redacted]"' in result.text
    log = project.run_logs()[0].read_text()
    assert password not in log and "[redacted]" in log


def test_preflight_warnings_are_shown_and_the_deploy_goes_on(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "apiservice", "v1beta1.metrics.k8s.io", stdout="")
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert "warning metrics-server: metrics-server is not installed" in result.text
    assert "--kubelet-insecure-tls" in result.text
    assert "preflight metrics-server: warn" in project.run_logs()[0].read_text()


def test_preflight_failure_stops_before_anything_is_applied(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "storageclasses", stdout=fixture("storageclasses-no-default.json"))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert "Preflight failed" in result.text and "no default StorageClass" in result.text
    assert not [c for c in cluster.calls if c.words[0] == "apply"]


def test_diff_before_the_first_deploy_says_everything_is_new(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "namespace", NAMESPACE, stdout="")
    result = ca3("deploy", "--diff")
    assert result.code == 0, result.text
    assert "Namespace conveyor-pipeline does not exist yet: all" in result.text
    assert not [c for c in cluster.calls if c.words[0] == "diff"]


def test_server_dry_run_without_the_namespace_says_what_to_do(project: Project, cluster: KubectlStub,
                                                               ca3: Ca3) -> None:
    cluster.on("get", "namespace", NAMESPACE, stdout="")
    result = ca3("deploy", "--dry-run=server")
    assert result.code == 1
    assert "Namespace conveyor-pipeline does not exist, so the API server cannot check" in result.text
    assert not [c for c in cluster.calls if c.words[0] == "apply"]
