"""Data kept means tokens kept, also when Secret influxdb-auth went anyway: a deploy that finds the Secret without the
processor's and Grafana's tokens, once InfluxDB is ready, runs InfluxDB's own token script in its pod (which makes
them again with the admin token and patches them into the Secret), restarts whatever still runs with the old ones,
and says so; an unchanged redeploy only reads the Secret.

The stand-in kubectl answers `get secret` with the recorded Secret (as the API server returned it right after ca3
applied it, without the tokens) and `exec` with what the rendered script really printed when bash ran it against
the stand-in influx CLI (tests/fixtures/influx_cli.py); the Secret patch is that run's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ca3cli.core import render, template_values
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology, Workload
from ca3cli.edges import outage
from ca3cli.operations import influxdb_tokens
from tests.cluster.conftest import Project, Run
from tests.cluster.recorded import auth_secret
from tests.fixtures.clock import FakeClock
from tests.fixtures.influx_cli import ADMIN, OLDER, REFUSED, ScriptRun, run_token_script
from tests.fixtures.kubectl import TLS_HANDSHAKE_TIMEOUT, KubectlStub

Ca3 = Callable[..., Run]
SCRIPT_CALL = ["exec", "influxdb-0", "-c", "influxdb", "--", "/docker-entrypoint-initdb.d/10-scoped-tokens.sh"]
READERS = ["get", "deployment/processor", "deployment/grafana", "--ignore-not-found", "-o", "name"]
DONE = ("re-created the processor's and Grafana's InfluxDB tokens: Secret influxdb-auth was missing them and "
        "InfluxDB's data was kept (stored new processor and grafana tokens in Secret influxdb-auth; deleted 2 older "
        "authorization(s) named ca3-processor or ca3-grafana)")


def lost_tokens(cluster: KubectlStub, tmp_path: Path) -> ScriptRun:
    """The Secret came back without its tokens (deleted by hand after `destroy` kept it, say); InfluxDB kept its
    data, so the older ca3 authorizations are still in it. The script's exec is answered with its real run."""
    cluster.on("get", "secret", "influxdb-auth", stdout=auth_secret(tokens=False))
    run = run_token_script(tmp_path / "pod", listed=(ADMIN, *OLDER))
    assert run.returncode == 0, run.stderr
    cluster.on(*SCRIPT_CALL, stdout=run.stdout, required=True)
    return run


def applies(cluster: KubectlStub, kind: str, name: str) -> list[tuple[int, dict[str, Any]]]:
    """(index among the calls, document) of each apply of object kind/name."""
    return [(index, d) for index, call in enumerate(cluster.calls) if call.words[0] == "apply"
            for d in yaml.safe_load_all(call.stdin or "") if d and d["kind"] == kind and d["metadata"]["name"] == name]


def applied(cluster: KubectlStub, kind: str, name: str) -> dict[str, Any]:
    [(_, doc)] = applies(cluster, kind, name)
    return doc


def test_a_deploy_makes_lost_tokens_again_after_influxdb_is_ready_and_before_the_processor_and_grafana(
        project: Project, cluster: KubectlStub, ca3: Ca3, tmp_path: Path) -> None:
    (tmp_path / "pod").mkdir()
    run = lost_tokens(cluster, tmp_path)
    cluster.on(*READERS, required=True)  # destroy deleted them: nothing to restart
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert DONE in result.text
    commands = cluster.commands()
    script = commands.index(" ".join(SCRIPT_CALL))
    assert commands.index("get statefulset influxdb --ignore-not-found -o json") < script
    [(processor_apply, _)] = applies(cluster, "Deployment", "processor")
    assert script < processor_apply
    assert not [c for c in cluster.calls if c.words[0] == "rollout"]
    # The Secret now holds both keys (the script's patch), and what the processor and Grafana read are those keys.
    assert run.patch == {"stringData": {"processor-token": "tok-ca3-processor==", "grafana-token": "tok-ca3-grafana=="}}
    processor = applied(cluster, "Deployment", "processor")["spec"]["template"]["spec"]
    [token_volume] = [v for v in processor["volumes"] if v.get("secret", {}).get("secretName") == "influxdb-auth"]
    assert [item["key"] for item in token_volume["secret"]["items"]] == ["processor-token"]
    grafana = applied(cluster, "Deployment", "grafana")["spec"]["template"]["spec"]["containers"][0]
    [token_env] = [e for e in grafana["env"] if e["name"] == "INFLUXDB_TOKEN"]
    assert token_env["valueFrom"]["secretKeyRef"] == {"name": "influxdb-auth", "key": "grafana-token"}
    log = project.run_logs()[0].read_text()
    assert DONE in " ".join(log.split()) and "tok-ca3-" not in log + result.text


def test_workloads_still_running_with_the_retired_tokens_are_restarted(
        project: Project, cluster: KubectlStub, ca3: Ca3, tmp_path: Path) -> None:
    (tmp_path / "pod").mkdir()
    lost_tokens(cluster, tmp_path)  # the Secret alone was deleted: the processor and Grafana kept running
    cluster.on(*READERS, stdout="deployment.apps/processor\ndeployment.apps/grafana\n")
    cluster.on("rollout", "restart", stdout="deployment.apps/processor restarted\ndeployment.apps/grafana restarted\n")
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    [restart] = [c for c in cluster.calls if c.words[0] == "rollout"]
    assert restart.words == ["rollout", "restart", "deployment.apps/processor", "deployment.apps/grafana"]
    assert ("restarted deployment.apps/processor, deployment.apps/grafana: the tokens they started with were "
            "retired") in result.text


def test_an_unchanged_redeploy_reads_the_secret_and_does_nothing_else(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "secret", "influxdb-auth", stdout=auth_secret(), required=True)
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert not [c for c in cluster.calls if c.words[0] in ("exec", "rollout") or c.words[:2] == READERS[:2]]
    assert "re-created" not in result.text


def test_an_admin_token_influxdb_does_not_know_stops_the_deploy_with_the_fix(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "secret", "influxdb-auth", stdout=auth_secret(tokens=False))
    # kubectl exec passes the script's stderr on, adds its own line and exits with the script's code.
    cluster.on(*SCRIPT_CALL, returncode=3, stderr=REFUSED + "command terminated with exit code 3\n")
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("InfluxDB refused the admin token of Secret influxdb-auth, so the processor's and Grafana's tokens cannot "
            "be made again: its kept data was set up with another admin token. Put that token into "
            ".ca3/secrets/influxdb_admin_token and run `ca3 deploy` again, or run `ca3 destroy --delete-data` and "
            "then `ca3 deploy` to start InfluxDB empty (its data is deleted).") in result.text
    assert "Traceback" not in result.text
    assert not applies(cluster, "Deployment", "processor")


def test_a_script_failure_is_named_with_its_own_reason(project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "secret", "influxdb-auth", stdout=auth_secret(tokens=False))
    cluster.on(*SCRIPT_CALL, returncode=1, stderr="could not read the new tokens from influx auth create\n"
                                                  "command terminated with exit code 1\n")
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("Could not make the processor's and Grafana's InfluxDB tokens again in pod influxdb-0: could not read the "
            "new tokens from influx auth create. Fix that (InfluxDB's own log: `kubectl --namespace conveyor-pipeline "
            "logs influxdb-0`), then run `ca3 deploy` again.") in result.text


def test_the_pod_script_secret_and_readers_are_read_from_the_rendered_objects() -> None:
    manifests = render.render(Settings(), template_values.placeholders(), 7)
    names = Topology.of_manifests(manifests)
    assert influxdb_tokens.recovery(names) == influxdb_tokens.Recovery(
        "influxdb-auth", ("processor-token", "grafana-token"), "influxdb-0", "influxdb",
        "/docker-entrypoint-initdb.d/10-scoped-tokens.sh",
        (Workload("deployment", "processor"), Workload("deployment", "grafana")))
    renamed = {component: copy.deepcopy(names.objects(component)) for component in names.components}
    [statefulset] = [d for d in renamed["influxdb"] if d["kind"] == "StatefulSet"]
    statefulset["metadata"]["name"] = "tsdb"
    mounts = statefulset["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    next(mount for mount in mounts if mount["mountPath"] == "/docker-entrypoint-initdb.d")["mountPath"] = "/init"
    [grafana] = [d for d in renamed["grafana"] if d["kind"] == "Deployment"]
    grafana["spec"]["template"]["spec"]["containers"][0]["env"] = []  # reads no token any more
    moved = influxdb_tokens.recovery(Topology(renamed))
    assert (moved.pod, moved.script, moved.readers) == ("tsdb-0", "/init/10-scoped-tokens.sh",
                                                        (Workload("deployment", "processor"),))


def test_reading_the_secret_rides_out_an_api_server_that_does_not_answer(
        project: Project, cluster: KubectlStub, ca3: Ca3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(outage, "CLOCK", clock)
    (tmp_path / "pod").mkdir()
    lost_tokens(cluster, tmp_path)
    cluster.on(*READERS)
    cluster.outage("get", "secret", "influxdb-auth", calls=4, stderr=TLS_HANDSHAKE_TIMEOUT)
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert len([c for c in cluster.calls if c.words[:2] == ["get", "secret"]]) == 5
    assert clock.slept[-4:] == [1.0, 2.0, 4.0, 5.0]
    assert "API server answering again" in result.text and DONE in result.text


def test_a_failed_restart_says_the_tokens_are_stored_and_how_to_restart(
        project: Project, cluster: KubectlStub, ca3: Ca3, tmp_path: Path) -> None:
    (tmp_path / "pod").mkdir()
    lost_tokens(cluster, tmp_path)
    cluster.on(*READERS, stdout="deployment.apps/processor\n")
    # As the API server refuses a user without `patch` on Deployments (the RBAC authorizer's Forbidden text).
    cluster.on("rollout", "restart", returncode=1, stderr=(
        'Error from server (Forbidden): deployments.apps "processor" is forbidden: User "student" cannot patch '
        'resource "deployments" in API group "apps" in the namespace "conveyor-pipeline"\n'))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("The new InfluxDB tokens are in Secret influxdb-auth, but restarting deployment.apps/processor failed: "
            'Error from server (Forbidden): deployments.apps "processor" is forbidden: User "student" cannot patch '
            'resource "deployments" in API group "apps" in the namespace "conveyor-pipeline". They still use the '
            "retired tokens: run `kubectl --namespace conveyor-pipeline rollout restart deployment.apps/processor`."
            ) in result.text
