"""`ca3 chaos` in-process against the stand-in kubectl, with InfluxDB's and Prometheus's query APIs answered in their
recorded shapes through the stand-in port-forward (neither InfluxDB 2 nor kafka-exporter runs here)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.chaos import answers as a
from tests.chaos import terminal
from tests.cluster.conftest import Project
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.validate.recorded_api import RecordedApi, Seen, serve

FAST = ("--interval", "0", "--timeout", "5")


def _rfc3339(unix_ns: int) -> str:
    return f"{datetime.fromtimestamp(unix_ns // 1_000_000_000, UTC):%Y-%m-%dT%H:%M:%S}.{unix_ns % 10**9:09d}Z"


def flux(seen: Seen) -> tuple[int, Any]:
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
    with serve({"/api/v2/query": flux}) as influx, serve({"/api/v1/query": (200, LAG)}) as prometheus:
        yield influx, prometheus


def answer_drill(stub: KubectlStub, apis: tuple[RecordedApi, RecordedApi]) -> None:
    stub.on("version", stdout=fixture("version.json"))
    stub.on("get", "namespace", stdout=a.recorded_namespace(9))
    stub.on("port-forward", "svc/influxdb-service", forward_to=apis[0].port)
    stub.on("port-forward", "svc/prometheus-service", forward_to=apis[1].port)
    stub.on("get", "events", stdout=a.recorded_events())
    stub.on("logs", stderr=a.logs_unreachable(), returncode=1)
    terminal.answer_operator(stub)
    pods = a.recorded_pods()
    stub.on("get", "pods", "-o", "json", stdout=pods, times=1)
    stub.on("get", "pods", "-o", "json", stdout=a.replaced(pods, a.PRODUCER, a.REPLACEMENT, True, keep_old=False))
    stub.on("delete", "pod", stdout=a.deleted_pod(a.PRODUCER))
    a.no_pod_watch(stub)


@pytest.fixture
def plain_influx(project: Project) -> Project:
    """The project with InfluxDB over plain HTTP (the recorded-shape server speaks no TLS)."""
    (project.path / "ca3.yaml").write_text((project.path / "ca3.yaml").read_text() + "tls:\n  influxdb: false\n")
    return project
