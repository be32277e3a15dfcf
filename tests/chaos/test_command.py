"""`ca3 chaos` end to end in-process: the stand-in kubectl, and InfluxDB's and Prometheus's query APIs answered in
their recorded shapes through the stand-in port-forward (neither InfluxDB 2 nor kafka-exporter runs here)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ca3cli.operations.chaos.catalogue import experiments
from tests.chaos import answers as a
from tests.chaos import terminal
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate.recorded_api import RecordedApi, Seen, serve

FAST = ("--interval", "0", "--timeout", "5")


def _rfc3339(unix_ns: int) -> str:
    return f"{datetime.fromtimestamp(unix_ns // 1_000_000_000, UTC):%Y-%m-%dT%H:%M:%S}.{unix_ns % 10**9:09d}Z"


def _flux(seen: Seen) -> tuple[int, Any]:
    """InfluxDB's CSV answer (header, no annotations): the newest reading is now; the stored readings are the old
    producer's 100..119 and its replacement's 0..29, half a second apart."""
    now = time.time_ns()
    if "last(" in json.loads(seen.body)["query"]:
        return 200, f",result,table,_time\r\n,_result,0,{_rfc3339(now)}\r\n\r\n"
    rows = [(a.PRODUCER, seq) for seq in range(100, 120)] + [(a.REPLACEMENT, seq) for seq in range(30)]
    lines = [f",_result,0,{_rfc3339(now - (len(rows) - i) * 500_000_000)},{seq},{producer}"
             for i, (producer, seq) in enumerate(rows)]
    return 200, "\r\n".join([",result,table,_time,_value,producer", *lines]) + "\r\n\r\n"


LAG = {"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {"consumergroup": "processor", "partition": "0", "topic": "conveyor-speed"},
     "value": [1796112000.0, "3"]}]}}


@pytest.fixture
def apis() -> Iterator[tuple[RecordedApi, RecordedApi]]:
    with serve({"/api/v2/query": _flux}) as influx, serve({"/api/v1/query": (200, LAG)}) as prometheus:
        yield influx, prometheus


def answer_drill(stub: KubectlStub, apis: tuple[RecordedApi, RecordedApi]) -> None:
    stub.on("version", stdout=fixture("version.json"))
    stub.on("port-forward", "svc/influxdb-service", forward_to=apis[0].port)
    stub.on("port-forward", "svc/prometheus-service", forward_to=apis[1].port)
    stub.on("get", "events", stdout=a.recorded_events())
    stub.on("logs", stderr=a.logs_unreachable(), returncode=1)
    terminal.answer_operator(stub)
    pods = a.recorded_pods()
    stub.on("get", "pods", "-o", "json", stdout=pods, times=1)
    stub.on("get", "pods", "-o", "json", stdout=a.replaced(pods, a.PRODUCER, a.REPLACEMENT, True, keep_old=False))
    stub.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))


@pytest.fixture
def plain_influx(project: Project) -> Project:
    """The project with InfluxDB over plain HTTP (the recorded-shape server speaks no TLS)."""
    (project.path / "ca3.yaml").write_text((project.path / "ca3.yaml").read_text() + "tls:\n  influxdb: false\n")
    return project


def test_a_drill_reads_influxdb_with_the_generated_token_and_reports_json_without_leaking_it(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    run = ca3("chaos", "-e", "delete-pod-producer", "--json", *FAST)
    assert run.code == 0, run.text
    answer = json.loads(run.out)
    assert [(r["experiment"], r["passed"], r["lost"], r["duplicated"]) for r in answer["results"]] == [
        ("delete-pod-producer", True, 0, 0)]
    token = plain_influx.secrets["influxdb_admin_token"]
    assert {s.headers["Authorization"] for s in apis[0].seen} == {f"Token {token}"}
    written = "".join((plain_influx.path / "outputs" / f).read_text()
                      for f in ("resilience-report.md", "chaos-journal.json"))
    assert token not in run.out + run.err + written
    assert "delete-pod-producer inject" in " ".join(run.err.split())  # the live view's lines went to stderr


def test_a_lossy_drill_exits_1_naming_the_experiment(plain_influx: Project, ca3: Callable[..., Run],
                                                      kubectl_stub: KubectlStub,
                                                      apis: tuple[RecordedApi, RecordedApi]) -> None:
    answer_drill(kubectl_stub, apis)
    with serve({"/api/v2/query": lambda seen: _lossy(_flux(seen))}) as influx:
        kubectl_stub.on("port-forward", "svc/influxdb-service", forward_to=influx.port)
        run = ca3("chaos", "-e", "delete-pod-producer", *FAST)
    assert run.code == 1
    assert "1 experiment(s) did not pass: delete-pod-producer" in run.text
    report = (plain_influx.path / "outputs" / "resilience-report.md").read_text()
    assert "| readings lost | 5 | 0 | **missed** |" in report


def _lossy(answer: tuple[int, Any]) -> tuple[int, Any]:
    """Drop the stored rows of seq 105..109 of the old producer: five readings lost."""
    status, body = answer
    lost = {f",{seq},{a.PRODUCER}" for seq in range(105, 110)}
    return status, "\r\n".join(line for line in body.split("\r\n") if not any(line.endswith(x) for x in lost))


def test_list_names_every_experiment_and_dry_run_changes_nothing(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub) -> None:
    listed = ca3("chaos", "--list")
    assert listed.code == 0 and all(e.name in listed.text for e in experiments())
    planned = ca3("chaos", "--dry-run", "-e", "drain-node")
    assert planned.code == 0 and "kubectl uncordon <that node>" in planned.text
    assert "Dry run: nothing was changed." in planned.text
    assert kubectl_stub.calls == []


def test_without_e_the_seeds_three_pod_deletions_run_and_all_runs_every_experiment(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub) -> None:
    def planned(*args: str) -> list[str]:
        run = ca3("chaos", "--dry-run", *args)
        assert run.code == 0, run.text
        return [line.split(":")[0] for line in run.out.splitlines() if line and not line.startswith((" ", "Dry"))]

    assert planned() == ["delete-pod-producer", "delete-pod-processor", "delete-pod-kafka"]
    assert planned("--all") == [e.name for e in experiments()] and len(planned("--all")) > 3
    both = ca3("chaos", "--all", "-e", "delete-pod-kafka")
    assert both.code == 2 and "give one of them" in both.text
    listed = ca3("chaos", "--list")
    assert all(e.name in listed.text for e in experiments())  # --list names every one, the default three marked
    assert kubectl_stub.calls == []


def test_an_unknown_experiment_or_a_bad_interval_exits_2(plain_influx: Project, ca3: Callable[..., Run]) -> None:
    unknown = ca3("chaos", "-e", "delete-everything")
    assert unknown.code == 2 and "Unknown experiment delete-everything" in unknown.text
    assert ca3("chaos", "--interval", "-1").code == 2


def test_a_recorded_drill_leaves_its_terminal_session_and_a_video_of_it_beside_the_procedures(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub,
        apis: tuple[RecordedApi, RecordedApi], monkeypatch: pytest.MonkeyPatch) -> None:
    import imageio_ffmpeg

    from ca3cli.operations.chaos import operator

    # Typed at once: tests/chaos/test_film.py films at the real pace; this one checks the command's wiring.
    monkeypatch.setattr(operator, "FILM", replace(operator.FILM, key_s=0, enter_s=0, read_s=0, title_s=0.01))
    answer_drill(kubectl_stub, apis)
    run = ca3("chaos", "-e", "delete-pod-producer", "--record", *FAST)
    assert run.code == 0, run.text
    outputs = plain_influx.path / "outputs"
    header, *lines = (outputs / "resilience-drill.cast").read_text().splitlines()
    assert json.loads(header)["version"] == 2
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", "".join(json.loads(line)[2] for line in lines))
    assert "Scenario 1 of 1" in shown and "$ kubectl -n conveyor-pipeline get pods -l app=producer -w" in shown
    assert "(real time, waits cut to 3 s)" in " ".join(run.text.split())
    meta = next(imageio_ffmpeg.read_frames(str(outputs / "resilience-drill.mp4")))
    assert meta["codec"] == "h264" and 0 < meta["duration"] <= 180
    assert "## producer pod lost" in (outputs / "operator-procedures.md").read_text()
