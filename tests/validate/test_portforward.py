"""`ca3cli.edges.portforward`: forwards come up, are always closed, fail with sentences; HTTP and TLS helpers."""

from __future__ import annotations

import re
import ssl
import subprocess
from typing import ClassVar

import pytest

from ca3cli.edges.kube import Kubectl
from ca3cli.edges.portforward import (
    HttpError,
    PortForwardError,
    TlsTarget,
    forward,
    get_json,
    request,
    tls_handshake,
)
from tests.fixtures.kubectl import KubectlStub
from tests.validate.pki import issue
from tests.validate.recorded_api import serve

NAME = "influxdb-service.conveyor-pipeline.svc"


class Recording(Kubectl):
    """A Kubectl that keeps the processes it starts, so a test can see they were terminated."""

    started: ClassVar[list[subprocess.Popen[str]]] = []  # one list for the class, emptied by the fixture

    def start(self, *args: str, namespaced: bool = True) -> subprocess.Popen[str]:
        proc = super().start(*args, namespaced=namespaced)
        self.started.append(proc)
        return proc


@pytest.fixture
def kubectl() -> Recording:
    Recording.started = []
    return Recording(namespace="conveyor-pipeline")


def test_forward_learns_the_local_port_and_terminates_kubectl(kubectl_stub: KubectlStub, kubectl: Recording) -> None:
    with serve({"/api/health": (200, {"database": "ok"})}) as api:
        kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=api.port)
        with forward(kubectl, "svc/grafana-service", 3000) as fwd:
            assert (fwd.local_port, fwd.remote_port) == (api.port, 3000)
            assert get_json(fwd.url("/api/health")) == {"database": "ok"}
            assert kubectl.started[0].poll() is None
    assert kubectl.started[0].poll() is not None
    assert kubectl_stub.commands() == ["port-forward svc/grafana-service :3000"]
    assert kubectl_stub.calls[0].flag("--namespace") == "conveyor-pipeline"


def test_forward_is_terminated_when_the_block_raises(kubectl_stub: KubectlStub, kubectl: Recording) -> None:
    kubectl_stub.on("port-forward", forward_to=1)
    with pytest.raises(RuntimeError), forward(kubectl, "svc/loki-service", 3100):
        raise RuntimeError("the caller failed")
    assert kubectl.started[0].poll() is not None


def test_forward_that_kubectl_refuses_names_target_and_stderr(kubectl_stub: KubectlStub, kubectl: Recording) -> None:
    kubectl_stub.on("port-forward", returncode=1,
                    stderr='Error from server (NotFound): services "loki-service" not found\n')
    with pytest.raises(PortForwardError) as caught, forward(kubectl, "svc/loki-service", 3100):
        pytest.fail("the block must not run")
    message = str(caught.value)
    assert "svc/loki-service :3100" in message and 'services "loki-service" not found' in message
    assert message.rstrip().endswith("that it listens on port 3100.")


def test_forward_that_stays_silent_times_out_and_is_killed(kubectl_stub: KubectlStub, kubectl: Recording) -> None:
    kubectl_stub.on("port-forward", delay=30)
    with (pytest.raises(PortForwardError, match=re.escape("did not print `Forwarding from` within 0.5s")),
          forward(kubectl, "svc/prometheus-service", 9090, timeout=0.5)):
        pass
    assert kubectl.started[0].poll() is not None


def test_http_error_carries_status_and_body() -> None:
    with (serve({"/api/v1/query": (400, {"status": "error", "errorType": "bad_data", "error": "parse error"})}) as api,
          pytest.raises(HttpError) as caught):
        get_json(f"http://127.0.0.1:{api.port}/api/v1/query?query=%28")
    assert caught.value.status == 400 and "bad_data" in caught.value.body
    assert "HTTP 400" in str(caught.value)


def test_refused_connection_is_a_sentence() -> None:
    with serve({}) as api:
        port = api.port
    with pytest.raises(HttpError, match=r"failed: .*Check that the service is Running and Ready\."):
        request(f"http://127.0.0.1:{port}/", timeout=2)


def test_non_json_answer_is_an_error() -> None:
    with serve({"/": (200, "<html>")}) as api, pytest.raises(HttpError, match="did not answer JSON"):
        get_json(f"http://127.0.0.1:{api.port}/")


def test_https_through_loopback_verifies_ca_and_service_name() -> None:
    pki = issue(NAME)
    with serve({"/health": (200, {"status": "pass"})}, tls=pki.server_context()) as api:
        url = f"https://127.0.0.1:{api.port}/health"
        assert get_json(url, tls=TlsTarget(pki.ca_pem, NAME)) == {"status": "pass"}
        with pytest.raises(HttpError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            get_json(url, tls=TlsTarget(issue(NAME).ca_pem, NAME))
        with pytest.raises(HttpError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            get_json(url, tls=TlsTarget(pki.ca_pem, "kafka-service.conveyor-pipeline.svc"))


def test_tls_handshake_reports_version_and_refuses_a_wrong_name() -> None:
    pki = issue(NAME)
    with serve({}, tls=pki.server_context()) as api:
        negotiated = tls_handshake(api.port, TlsTarget(pki.ca_pem, NAME))
        assert negotiated["version"] in ("TLSv1.2", "TLSv1.3") and negotiated["subject"]["commonName"] == NAME
        with pytest.raises(ssl.SSLCertVerificationError):
            tls_handshake(api.port, TlsTarget(pki.ca_pem, "grafana-service.conveyor-pipeline.svc"))
