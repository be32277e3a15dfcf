"""A drill names what it could not measure: a refused port-forward to InfluxDB, a missing CA, a failed count, a
missing namespace; and on a stack below milestone 9 it runs what that milestone has and says which milestone the rest
needs. Texts are the real API server's (shared/kubectl-recordings: port-forward-svc-grafana-service,
get-namespace-nope); the CA's NotFound follows their shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from ca3cli.operations.chaos import model, recovery, runner
from ca3cli.operations.chaos.data import Unreadable
from ca3cli.operations.chaos.model import Reading
from tests.chaos import answers as a
from tests.chaos.cli_drill import FAST, answer_drill
from tests.chaos.flowing import Flowing
from tests.chaos.test_runner import FAST as FAST_RUNNER
from tests.chaos.test_runner import kubectl, one, pods_sequence, quiet
from tests.chaos.timelines import delete_run, readings, sample
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate.recorded_api import RecordedApi

REFUSED = "error: error upgrading connection: error dialing backend: dial tcp 127.0.0.1:10250: connect: connection " \
          "refused\n"  # recorded: port-forward-svc-grafana-service.txt
NO_CA = 'Error from server (NotFound): configmaps "ca3-ca" not found\n'
NO_NAMESPACE = 'Error from server (NotFound): namespaces "conveyor-pipeline" not found\n'


def _journal(project: Project) -> model.Drill:
    return model.from_json((project.path / "outputs" / "chaos-journal.json").read_text())


def test_a_refused_port_forward_to_influxdb_is_the_verdict_after_two_samples_and_nothing_is_injected(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    kubectl_stub.on("port-forward", "svc/influxdb-service", stderr=REFUSED, returncode=1)
    run = ca3("chaos", "-e", "delete-pod-producer", *FAST)
    assert run.code == 1
    forwards = [c for c in kubectl_stub.commands() if c.startswith("port-forward svc/influxdb-service")]
    assert len(forwards) == runner.UNREAD_TRIES  # judged at once, not after the 90 s steady-state wait
    assert not [c for c in kubectl_stub.commands() if c.startswith("delete")]
    verdict = ("COULD NOT MEASURE delete-pod-producer: Could not query InfluxDB: `kubectl port-forward "
               "svc/influxdb-service :8086` exited with code 1: error: error upgrading connection")
    assert verdict in run.text
    drill = _journal(plain_influx)
    assert drill.runs[0].outcome == "unmeasured" and drill.runs[0].reason.endswith("Nothing was injected.")
    assert "connect: connection refused" in drill.runs[0].samples[-1].newest_error
    report = (plain_influx.path / "outputs" / "resilience-report.md").read_text()
    assert "**COULD NOT MEASURE**: Could not query InfluxDB: `kubectl port-forward svc/influxdb-service" in report
    assert "no reading is stored" not in report + run.text


def test_every_saved_line_starts_its_own_line_after_the_verdicts(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    run = ca3("chaos", "-e", "delete-pod-producer", *FAST)
    assert run.code == 0, run.text
    saved = [line for line in run.out.splitlines() if "saved " in line]
    assert saved and all(line.startswith("saved outputs/") for line in saved), run.out


def test_a_missing_ca_at_a_tls_milestone_is_named_with_its_fix(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    kubectl_stub.on("get", "namespace", stdout=a.recorded_namespace(7))
    kubectl_stub.on("get", "configmap", "ca3-ca", stderr=NO_CA, returncode=1)
    run = ca3("chaos", "-e", "delete-pod-producer", *FAST)
    assert run.code == 1
    assert ("Could not query InfluxDB: InfluxDB speaks TLS at milestone 7 but its CA (ca3-ca) could not be read "
            "(Error from server (NotFound): configmaps \"ca3-ca\" not found); run `ca3 certs` and `ca3 deploy -m 7`."
            ) in run.text
    assert "Traceback" not in run.text and not [c for c in kubectl_stub.commands() if c.startswith("delete")]


def test_below_milestone_2_the_drill_runs_what_is_there_and_names_the_milestone_the_rest_needs(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    kubectl_stub.on("get", "namespace", stdout=a.recorded_namespace(1))
    run = ca3("chaos", "-e", "delete-pod-producer", "-e", "delete-pod-prometheus", "-e", "delete-pod-loki",
              "--json", *FAST)
    assert run.code == 0, run.text
    answer = json.loads(run.out)
    assert [(r["experiment"], r["outcome"], r["reason"]) for r in answer["results"]] == [
        ("delete-pod-producer", "completed", ""),
        ("delete-pod-prometheus", "skipped", "It needs milestone 2, which adds prometheus; milestone 1 is deployed "
                                             "(`ca3 deploy -m 2` adds it)."),
        ("delete-pod-loki", "skipped", "It needs milestone 5, which adds loki; milestone 1 is deployed "
                                       "(`ca3 deploy -m 5` adds it).")]
    commands = kubectl_stub.commands()
    assert not [c for c in commands if "prometheus" in c or "configmap" in c]  # no lag query, no CA at milestone 1
    assert [c for c in commands if c.startswith("delete pod")] == [f"delete pod {a.PRODUCER} --wait=false"]


def test_no_namespace_is_one_sentence_naming_the_deploy(project: Project, ca3: Callable[..., Run],
                                                        kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("version", stdout=fixture("version.json"))
    kubectl_stub.on("get", "namespace", stderr=NO_NAMESPACE, returncode=1)
    run = ca3("chaos", "-e", "delete-pod-producer", *FAST)
    assert run.code == 1
    assert ("Namespace conveyor-pipeline does not exist, so there is no pipeline to drill; deploy one with "
            "`ca3 deploy -m 9` (or any milestone) and run `ca3 chaos` again.") in run.text
    assert not [c for c in kubectl_stub.commands() if c.startswith(("get pods", "port-forward"))]


class CountFails(Flowing):
    def readings(self, start: float, stop: float) -> list[Reading]:
        raise Unreadable("could not query InfluxDB: POST http://127.0.0.1:1/api/v2/query failed: timed out.")


def test_a_count_that_cannot_query_influxdb_is_unmeasured_not_lossless(cluster: KubectlStub) -> None:
    pods = a.recorded_pods()
    pods_sequence(cluster, pods, a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=False))
    cluster.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))
    drill = runner.Runner(kubectl(), CountFails(), quiet(), a.NAMESPACE, FAST_RUNNER).run_all(
        [one("delete-pod-producer")])
    run = drill.runs[0]
    assert run.outcome == "unmeasured" and run.readings == ()
    assert run.reason == ("Could not query InfluxDB: POST http://127.0.0.1:1/api/v2/query failed: timed out. The "
                          "readings lost and duplicated were not counted.")
    assert not recovery.analyse(run).passed


def test_steady_state_names_a_failed_query_instead_of_no_reading() -> None:
    s = sample(10, [], None)
    unread = replace(s, lag=None, newest_error="could not query InfluxDB: refused",
                     lag_error="could not query Prometheus: refused")
    assert recovery.steady(unread, {}) == ["could not query InfluxDB: refused", "could not query Prometheus: refused"]
    assert recovery.steady(s, {}) == ["no reading is stored"]


def test_a_recovery_whose_last_query_failed_says_flow_is_unknown() -> None:
    run = delete_run(ready_after=6, flowing_after=99, end=20, stored=readings(a.PRODUCER, range(10)))
    failed = replace(run.samples[-1], newest_s=None, newest_error="could not query InfluxDB: refused")
    result = recovery.analyse(replace(run, samples=(*run.samples[:-1], failed)))
    assert "whether data flowed again is unknown: could not query InfluxDB: refused" in result.problems


def test_a_journal_keeps_what_a_sample_could_not_read() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=14, stored=[])
    failed = replace(run.samples[-1], newest_s=None, lag=None, newest_error="could not query InfluxDB: refused")
    drill = model.Drill("ns", "2026-12-01T08:00:00Z", 0.0,
                        (replace(run, outcome="unmeasured", samples=(*run.samples, failed)),))
    assert model.from_json(model.to_json(drill)) == drill
