"""`ca3 chaos` end to end in-process: the stand-in kubectl, and InfluxDB's and Prometheus's query APIs answered in
their recorded shapes through the stand-in port-forward (tests/chaos/cli_drill.py)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from ca3cli.operations.chaos.catalogue import experiments
from tests.chaos import answers as a
from tests.chaos.cli_drill import FAST, answer_drill, flux
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub
from tests.validate.recorded_api import RecordedApi, serve


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
    with serve({"/api/v2/query": lambda seen: _lossy(flux(seen))}) as influx:
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
    assert planned.code == 0 and 'kubectl uncordon "$node"' in planned.text
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


def test_dry_run_prints_shell_lines_that_paste_with_the_namespace(
        plain_influx: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub) -> None:
    planned = ca3("chaos", "--dry-run", "-e", "kill-main-producer", "-e", "delete-pod-kafka", "-e", "cut-off-kafka",
                  "-e", "drain-node")
    assert planned.code == 0 and kubectl_stub.calls == []
    lines = [line.strip() for line in planned.out.splitlines() if line.startswith("  ") and "# undo" not in line]
    assert len(lines) == 8 and all(subprocess.run(["bash", "-n", "-c", line]).returncode == 0 for line in lines)
    assert not [line for line in lines if "<" in line.replace("> saved-", "")]  # no placeholder left to fill in
    assert "kubectl --namespace conveyor-pipeline delete networkpolicy kafka kafka-from-exporter --wait=false" in lines
    kill = shlex.split(next(line for line in lines if " exec " in line))
    assert kill == ["kubectl", "--namespace", "conveyor-pipeline", "exec", "$pod", "-c", "producer", "--", "python",
                    "-c", "import os, signal; os.kill(1, signal.SIGTERM)"]
    pick = next(line for line in lines if line.startswith("pod=") and "app=kafka" in line)
    assert "kubectl --namespace conveyor-pipeline get pods -l app=kafka" in pick
