"""`ca3 load-test` end to end through the stand-in kubectl: HPAs going 1 -> 3 -> 1 over successive polls, a real
HTTP server answering PromQL through the stand-in port-forward, Ctrl-C midway, and metrics-server missing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core.settings import Settings
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.objectwatch import LIST_UIDS
from ca3cli.operations.loadtest import cluster, outputs
from ca3cli.operations.validate.model import Status
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.scaling import decide_cycle, gather_cycle
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import CONNECTION_REFUSED as REFUSED
from tests.fixtures.kubectl import KubectlStub, fixture, fixture_json
from tests.loadtest import recorded
from tests.validate.recorded_api import RecordedApi, Seen, serve

FAST = ("--interval", "0", "--baseline", "0", "--rate", "800", "--duration", "30", "--ramp", "5", "--timeout", "60")
JOB = "job/load-generator"
SUMMARY = {"sent": 24000, "accepted": 23950, "refused": 50, "failed_requests": 1}
# (producer, processor) replicas: baseline, three load polls, two cool-down polls.
REPLICAS = [(1, 1), (1, 1), (3, 2), (3, 3), (2, 2), (1, 1)]
METRICS_MISSING = "Error from server (NotFound): the server could not find the requested resource\n"


def _promql(seen: Seen) -> tuple[int, Any]:
    """Every instant query answers one series; the value says which query it was (lag 7, rates 100/200/300)."""
    value = next((v for key, v in (("producer", "100"), ("consumed", "200"), ("writes", "300"), ("lag", "7"))
                  if key in seen.path), "0")
    return 200, {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {}, "value": [1764579600.0, value]}]}}


@pytest.fixture
def prometheus() -> Iterator[RecordedApi]:
    with serve({"/api/v1/query": _promql}) as api:
        yield api


def _job(condition: str | None) -> dict[str, Any]:
    job = fixture_json("recorded/get-job-kafka-topic-create.json")
    job["metadata"]["name"] = "load-generator"
    if condition is None:
        job["status"] = {"active": 1, "ready": 1, "startTime": job["status"]["startTime"]}
    return job


def hpa_watch() -> str:
    """`kubectl get hpa --watch` over REPLICAS: the table, then a row per change, in kubectl 1.28's columns
    (NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE; TARGETS as current/target without the metric's name)."""
    header = ("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE")
    cpu = {1: 10, 2: 60, 3: 90}

    def row(name: str, replicas: int, age: str) -> tuple[str, ...]:
        return (name, f"Deployment/{name}", f"{cpu[replicas]}%/70%", "1", "5", str(replicas), age)

    def tab(rows: list[tuple[str, ...]]) -> str:
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        return "".join("".join(c.ljust(w + 3) for c, w in zip(r[:-1], widths, strict=False)) + r[-1] + "\n"
                       for r in rows)

    lines = tab([header, row("producer", 1, "26m"), row("processor", 1, "26m")])
    for (producer, processor), (before_p, before_q) in zip(REPLICAS[1:], REPLICAS, strict=False):
        lines += tab([row("producer", producer, "27m")]) if producer != before_p else ""
        lines += tab([row("processor", processor, "27m")]) if processor != before_q else ""
    return lines


def answer_load_test(stub: KubectlStub, prometheus_port: int) -> None:
    """A kind cluster with metrics-server, both HPAs playing REPLICAS over polls, a Job that runs two polls."""
    stub.on("version", stdout=fixture("recorded/version.json"))
    stub.on("get", "--raw", stdout='{"kind":"PodMetricsList","items":[]}')
    stub.on("port-forward", "svc/prometheus-service", forward_to=prometheus_port)
    cpu = {1: 10, 2: 60, 3: 90}
    for producer, processor in REPLICAS:
        stub.on("get", "horizontalpodautoscalers.autoscaling", times=1, stdout=recorded.hpa_list(
            recorded.hpa("producer", producer, cpu[producer]), recorded.hpa("processor", processor, cpu[processor])))
    stub.on("get", "horizontalpodautoscalers.autoscaling", stdout=recorded.hpa_list(
        recorded.hpa("producer", 1, 10), recorded.hpa("processor", 1, 10)))
    stub.on("get", "pods", stdout=fixture("recorded/get-pods.json"))
    soon = datetime.now(UTC) + timedelta(seconds=30)
    stub.on("get", "events", stdout=recorded.hpa_list(*(
        recorded.rescale_event(name, f"{soon + timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}", size, reason)
        for i, (name, size, reason) in enumerate((("producer", 3, recorded.UP), ("processor", 2, recorded.UP),
                                                  ("producer", 1, recorded.DOWN))))))
    stub.on("delete", stdout="")
    stub.on("apply", stdout="job.batch/load-generator serverside-applied\n")
    stub.on("get", JOB, times=2, stdout=_job(None))
    stub.on("get", JOB, stdout=_job("Complete"))
    stub.on("logs", JOB, stdout="some log line\n" + json.dumps(SUMMARY) + "\n")
    stub.on("get", "hpa", "--watch", stdout=hpa_watch())
    no_object_watch(stub)


def no_object_watch(stub: KubectlStub) -> None:
    """The autoscalers' object watch refused as a stopped API server refuses it (recorded: server-down-version), so
    only the polls time the cycle; a test of the watch registers its stream over this."""
    stub.on("get", "hpa", "--watch", "--output-watch-events", stderr=REFUSED, returncode=1)
    stub.on("get", "hpa", "-o", LIST_UIDS, stderr=REFUSED, returncode=1)


def cluster_commands(stub: KubectlStub) -> list[str]:
    """The calls in order, without the object watch's (its thread reconnects whenever it likes)."""
    return [c for c in stub.commands() if not c.startswith(("get hpa --watch --output-watch-events",
                                                             f"get hpa -o {LIST_UIDS}"))]


def test_a_full_cycle_passes_writes_every_output_and_deletes_the_job_and_policy(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    run = ca3("load-test", *FAST, "--out", "results")
    assert run.code == 0, run.text
    timeline = outputs.last(project.path / "results")
    assert timeline is not None
    assert [s.phase for s in timeline.samples] == ["baseline", "load", "load", "load", "cooldown", "cooldown"]
    assert [(s.hpa("producer").current, s.hpa("processor").current) for s in timeline.samples] == REPLICAS
    assert timeline.samples[0].throughput == {"produced": 100.0, "consumed": 200.0, "written": 300.0, "lag": 7.0}
    assert [r.new_size for r in timeline.rescales] == [3, 2, 1]
    assert (timeline.load.outcome, timeline.load.accepted, timeline.load.refused) == ("complete", 23950, 50)
    assert sorted(p.name for p in (project.path / "results").iterdir()) == sorted(
        [outputs.SAMPLES, outputs.EVENTS, outputs.RESULTS, outputs.PICTURE, outputs.WATCH, outputs.WATCH_PICTURE])
    watched = (project.path / "results" / outputs.WATCH).read_text()
    assert watched == f"$ kubectl -n conveyor-pipeline get hpa --watch\n{hpa_watch()}"  # kubectl's text as it came
    assert "HPA producer: 1 -> 3 -> 1 replicas" in run.text and "note: The producer refused 50" in run.text


def test_the_job_is_applied_after_the_baseline_and_deleted_before_the_cool_down(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    assert ca3("load-test", *FAST).code == 0
    commands = kubectl_stub.commands()
    apply = next(c for c in kubectl_stub.calls if c.words[0] == "apply")
    kinds = [doc.split("kind: ")[1].split("\n")[0] for doc in (apply.stdin or "").split("---\n") if doc.strip()]
    assert kinds == ["Job", "NetworkPolicy"]
    deletes = [i for i, c in enumerate(commands) if c.startswith("delete job/load-generator "
                                                                    "networkpolicy/load-generator --ignore-not-found")]
    hpa_polls = [i for i, c in enumerate(commands) if c.startswith("get horizontalpodautoscalers")]
    assert len(deletes) == 2 and deletes[0] < commands.index(" ".join(apply.words)) < deletes[1]
    assert hpa_polls[0] < deletes[0] and sum(1 for i in hpa_polls if i > deletes[1]) == 2  # the cool-down polls
    assert commands.count(f"get {JOB} -o json") == 3


def test_ctrl_c_midway_deletes_the_job_and_its_policy_and_exits_130(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi,
        monkeypatch: pytest.MonkeyPatch) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    real_sample, taken = cluster.sample, []

    def interrupted_on_the_third(*args: Any, **kwargs: Any) -> Any:
        taken.append(args)
        if len(taken) == 3:  # the second sample under load
            raise KeyboardInterrupt
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(cluster, "sample", interrupted_on_the_third)
    run = ca3("load-test", *FAST)
    assert run.code == 130
    commands = cluster_commands(kubectl_stub)
    assert commands[-1] == "delete job/load-generator networkpolicy/load-generator --ignore-not-found --wait=false"
    assert any(c.startswith("apply ") for c in commands)
    recorded_so_far = outputs.last(project.path / "outputs")
    assert recorded_so_far is not None and recorded_so_far.load.outcome == "interrupted"
    assert [s.phase for s in recorded_so_far.samples] == ["baseline", "load"]
    assert "The load test was interrupted" in (project.path / "outputs" / outputs.RESULTS).read_text()
    assert "Interrupted: the Job and its NetworkPolicy were deleted" in run.text


def test_without_metrics_server_no_load_is_sent_and_the_error_says_how_to_install_it_on_kind(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.on("get", "--raw", returncode=1, stderr=METRICS_MISSING)
    run = ca3("load-test", *FAST)
    assert run.code == 1
    assert "metrics-server does not answer for namespace conveyor-pipeline (Error from server (NotFound)" in run.text
    assert "kind ships no metrics-server" in run.text
    assert not any(c.words[0] in ("apply", "port-forward") for c in kubectl_stub.calls)
    assert (project.path / "outputs" / outputs.RESULTS).read_text().count("metrics-server does not answer") == 1


def test_scale_down_not_observed_within_the_timeout_exits_1_naming_the_hpa_and_its_replicas(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    run = ca3("load-test", *FAST[:-1], "0")  # --timeout 0: one cool-down poll, which still sees (2, 2)
    assert run.code == 1
    assert "HPA producer scaled up to 3 but was not back at its minimum 1" in run.text
    assert "(it reported 2 current / 2 desired replicas, CPU 60%)" in run.text
    assert "HPA processor scaled up to 3" in run.text
    assert "FAILED" in (project.path / "outputs" / outputs.RESULTS).read_text()


def test_invalid_options_are_refused_before_any_cluster_call(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub) -> None:
    run = ca3("load-test", "--rate", "0")
    assert run.code == 2 and "--rate and --duration must be > 0" in run.text
    assert kubectl_stub.calls == []


def test_in_keda_mode_without_kedas_crd_no_load_is_sent_and_the_error_says_how_to_install_keda(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.on("get", "crd", "scaledobjects.keda.sh", stdout="")
    config = project.path / "ca3.yaml"
    config.write_text(config.read_text() + "autoscaling:\n  processor: keda\n")
    run = ca3("load-test", *FAST)
    assert run.code == 1
    assert "`autoscaling.processor: keda` needs KEDA, but CRD scaledobjects.keda.sh is not installed" in run.text
    assert "helm install keda" in run.text
    assert not any(c.words[0] in ("apply", "port-forward") for c in kubectl_stub.calls)


def test_json_output_holds_the_verdict_each_cycle_and_the_files_written(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    run = ca3("load-test", *FAST, "--json")
    assert run.code == 0, run.text
    report = json.loads(run.out)
    assert report["ok"] is True and report["problems"] == []
    assert [(c["hpa"], c["start"], c["peak"], c["scaled_down"]) for c in report["cycles"]] == [
        ("producer", 1, 3, True), ("processor", 1, 3, True)]
    assert sorted(Path(f).name for f in report["files"]) == sorted(
        [outputs.SAMPLES, outputs.EVENTS, outputs.RESULTS, outputs.PICTURE, outputs.WATCH, outputs.WATCH_PICTURE])


def test_validate_m6_scaling_cycle_passes_on_what_the_load_test_recorded(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    assert ca3("load-test", *FAST).code == 0
    evidence = gather_cycle(Probe(Kubectl(), Settings(), 6))
    outcome = decide_cycle(evidence)
    assert outcome.status == Status.PASS, outcome.evidence
    assert "producer 1 -> 3 -> 1" in outcome.evidence and "3 SuccessfulRescale events" in outcome.evidence


def test_a_kubectl_failure_midway_still_deletes_the_job_and_its_policy(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub, prometheus: RecordedApi) -> None:
    answer_load_test(kubectl_stub, prometheus.port)
    kubectl_stub.on("get", JOB, times=1, returncode=1,
                    stderr='Error from server (NotFound): jobs.batch "load-generator" not found\n')
    run = ca3("load-test", *FAST)
    assert run.code == 1 and 'jobs.batch "load-generator" not found' in run.text
    assert cluster_commands(kubectl_stub)[-1] == ("delete job/load-generator networkpolicy/load-generator "
                                                  "--ignore-not-found --wait=false")
