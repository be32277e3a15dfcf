"""The producer's HTTP surface against a real broker: probes, POST /events validation and counts, metrics."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request

import pytest

from tests.fixtures.patience import CALL_GUARD_S, eventually
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import Kafka, free_port, running, tansu_server

pytestmark = pytest.mark.integration


def post(app: AppProcess, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(f"http://{app.address}/events", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=CALL_GUARD_S) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def producer(tansu: Kafka, launch_apps: AppLauncher) -> AppProcess:
    app = launch_apps.start("producer", Stream.create(tansu).producer_env(tansu, lines=1, rate_hz=1))
    app.wait_ready()
    return app


def test_post_events_publishes_valid_readings_and_reports_invalid_ones(producer: AppProcess) -> None:
    good = {"line": "load-1", "speed_ms": 0.2, "state": "running"}
    status, answer = post(producer, json.dumps([good, good, {"line": "", "speed_ms": 0.1, "state": "running"},
                                                 {"line": "x", "speed_ms": -1, "state": "running"},
                                                 {"line": "x", "speed_ms": 0.1, "state": "flying"}]).encode())
    assert status == 200
    assert (answer["accepted"], answer["rejected"]) == (2, 3)
    assert [error["index"] for error in answer["errors"]] == [2, 3, 4]
    assert producer.metric("producer_ingest_readings_total") == 5
    assert producer.metric("producer_ingest_requests_total") == 1


@pytest.mark.parametrize("body, reason", [(b"{not json", "not JSON"), (b'{"line": "x"}', "JSON array"), (b"", "")])
def test_post_events_with_a_bad_body_answers_400_with_the_reason(producer: AppProcess, body: bytes,
                                                                  reason: str) -> None:
    status, answer = post(producer, body)
    assert status == 400 and reason in str(answer["error"])
    assert producer.get("/healthz") == 200  # still serving


def test_post_events_with_a_bad_content_length_answers_400(producer: AppProcess) -> None:
    connection = http.client.HTTPConnection(producer.address, timeout=CALL_GUARD_S)
    connection.putrequest("POST", "/events")
    connection.putheader("Content-Length", "lots")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 400 and "Content-Length" in response.read().decode()
    connection.close()


def test_producer_is_live_but_not_ready_while_kafka_is_unreachable(launch_apps: AppLauncher) -> None:
    app = launch_apps.start("producer", {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"})
    app.wait_status("/healthz", 200)
    assert app.get("/readyz") == 503
    assert post(app, b"[]")[0] == 503
    assert app.terminate() == 0


def test_healthz_turns_unhealthy_once_the_producer_has_not_been_ready_for_the_wedge_time(
        launch_apps: AppLauncher) -> None:
    app = launch_apps.start("producer", {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
                                         "PRODUCER_WEDGED_AFTER_S": "5"})
    app.wait_status("/healthz", 200)
    app.wait_status("/healthz", 503)  # so the kubelet restarts it
    assert app.get("/readyz") == 503
    assert app.terminate() == 0  # nothing was taken, so nothing was lost


def test_metrics_expose_the_configured_rate_and_count_acknowledged_readings(producer: AppProcess) -> None:
    assert producer.metric("producer_configured_rate_hz") == 1
    status, answer = post(producer, json.dumps([{"line": "load-1", "speed_ms": 0.2, "state": "running"}] * 3).encode())
    assert (status, answer["accepted"]) == (200, 3)
    eventually(lambda: producer.metric("producer_messages_sent_total") >= 3, "3 readings acknowledged",
               producer.log_tail)


def test_producer_turns_unready_when_kafka_goes_away(tmp_path, launch_apps: AppLauncher) -> None:
    with running(tansu_server(tmp_path)) as broker:
        kafka = Kafka(f"127.0.0.1:{broker.port}")
        env = Stream.create(kafka).producer_env(kafka, lines=2, rate_hz=5) | {"PRODUCER_FLUSH_TIMEOUT_S": "2"}
        app = launch_apps.start("producer", env)
        app.wait_ready()
        broker.stop()
        app.wait_status("/readyz", 503)
        assert app.get("/healthz") == 200
    assert app.terminate() == 1  # readings it could not deliver: not a clean exit
    stopped = [entry for entry in app.logs() if entry["message"] == "Producer stopped"][-1]
    assert stopped["dropped"] > 0 and stopped["lost"] >= stopped["dropped"] and stopped["level"] == "error"
