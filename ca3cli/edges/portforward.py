"""Reach in-cluster services: `kubectl port-forward` managed as a context manager, and small HTTP helpers.

Users never open ports by hand. `forward()` starts `kubectl port-forward <target> :<port>` through the one kubectl
runner, learns the local port from kubectl's `Forwarding from 127.0.0.1:N -> P` line and always terminates kubectl:

    with forward(kubectl, "svc/prometheus-service", 9090) as fwd:
        targets = answers.targets(fwd.url("/api/v1/targets"))  # edges/answers.py types each API's JSON

The HTTP helpers (`request`, `get_json`) use only the standard library, always have a timeout, and raise
`HttpError` (a Ca3Error) with the status and the start of the body; `get_json` returns the JSON untyped. For TLS
through a port-forward, pass `tls=TlsTarget(ca_pem, server_name)`: the chain is verified against that CA and the
certificate must name `server_name` (the service's DNS name), even though the connection goes to 127.0.0.1.
"""

from __future__ import annotations

import base64
import http.client
import json
import queue
import re
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, cast

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import process
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.process import Popen

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)")
BODY_PREVIEW = 300


class PortForwardError(Ca3Error):
    """`kubectl port-forward` exited or stayed silent instead of forwarding."""


class HttpError(Ca3Error):
    """An HTTP call through a port-forward failed: refused, timed out, or answered with an error status."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Forward:
    """A running port-forward: the local port on 127.0.0.1 and the remote port it reaches."""

    target: str
    local_port: int
    remote_port: int

    def url(self, path: str = "/", scheme: str = "http") -> str:
        """The URL of `path` through this forward."""
        return f"{scheme}://127.0.0.1:{self.local_port}{path}"


def _lines(stream: Any, into: queue.Queue[str | None]) -> None:
    """Copy a pipe line by line into a queue (None at EOF); keeps kubectl's stdout drained while it runs."""
    for line in stream:
        into.put(line)
    into.put(None)


def _await_port(proc: Popen[str], lines: queue.Queue[str | None], timeout: float) -> tuple[int, int]:
    """The (local, remote) ports from kubectl's first `Forwarding from 127.0.0.1` line."""
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise PortForwardError(f"did not print `Forwarding from` within {timeout:g}s") from None
        if line is None:
            proc.wait(timeout=5)
            stderr = proc.stderr.read().strip() if proc.stderr else ""
            raise PortForwardError(f"exited with code {proc.returncode}: {stderr or '(no output)'}")
        match = FORWARDING.search(line)
        if match:
            return int(match.group(1)), int(match.group(2))


@contextmanager
def forward(kubectl: Kubectl, target: str, port: int, timeout: float = 15.0) -> Iterator[Forward]:
    """Forward a free local port to `port` of `target` (`svc/NAME`, `pod/NAME`, `deployment/NAME`) while inside.

    Raises PortForwardError naming the target and kubectl's stderr when the forward does not come up.
    """
    proc = kubectl.start("port-forward", target, f":{port}")
    try:
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
        try:
            local, remote = _await_port(proc, lines, timeout)
        except PortForwardError as exc:
            raise PortForwardError(
                f"`kubectl port-forward {target} :{port}` {exc}. Check that {target} exists and is Running "
                f"(`kubectl get {target}`) and that it listens on port {port}."
            ) from None
        yield Forward(target, local, remote)
    finally:
        process.stop(proc)


class Reforward:
    """A port-forward opened on first use and reopened after `reset()`: kubectl port-forward ends when the pod behind
    it is replaced or the API server restarts, so a reader that goes on after either opens it again."""

    def __init__(self, kubectl: Kubectl, target: str, port: int, scheme: str = "http") -> None:
        self.kubectl, self.target, self.port, self.scheme = kubectl, target, port, scheme
        self._manager: AbstractContextManager[Forward] | None = None
        self._forward: Forward | None = None

    def base(self) -> str:
        if self._forward is None:
            self._manager = forward(self.kubectl, self.target, self.port)
            self._forward = self._manager.__enter__()
        return self._forward.url("", self.scheme)

    def reset(self) -> None:
        manager, self._manager, self._forward = self._manager, None, None
        if manager is not None:
            manager.__exit__(None, None, None)


@dataclass(frozen=True)
class TlsTarget:
    """How to verify a server reached through 127.0.0.1: our CA (PEM) and the DNS name its certificate must carry."""

    ca_pem: str
    server_name: str

    def context(self) -> ssl.SSLContext:
        """A client context that verifies the chain against `ca_pem` and checks the host name."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 that verifies the certificate against a given server name instead of the address."""

    server_name = ""

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)  # type: ignore[attr-defined]


def _opener(tls: TlsTarget | None) -> urllib.request.OpenerDirector:
    if tls is None:
        return urllib.request.build_opener()
    context, server_name = tls.context(), tls.server_name

    class Handler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            def connection(host: str, **kwargs: Any) -> _NamedHTTPSConnection:
                conn = _NamedHTTPSConnection(host, **kwargs)
                conn.server_name = server_name
                return conn

            return self.do_open(connection, req, context=context)

    return urllib.request.build_opener(Handler())


def basic_auth(user: str, password: str) -> dict[str, str]:
    """The Authorization header for HTTP Basic auth (Grafana's admin API)."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def request(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    tls: TlsTarget | None = None,
) -> bytes:
    """Send one HTTP request and return the body; raise HttpError on a refused connection, a timeout or status >= 400.

    The error's text names the method and URL, never the headers (they may carry credentials).
    """
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _opener(tls).open(req, timeout=timeout) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        raise HttpError(f"{method} {url} answered HTTP {exc.code}: {text[:BODY_PREVIEW]}", exc.code, text) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpError(f"{method} {url} failed: {reason}. Check that the service is Running and Ready.") from None


def _parse(url: str, raw: bytes) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise HttpError(f"{url} did not answer JSON: {raw[:BODY_PREVIEW].decode('utf-8', 'replace')}") from None


def get_json(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0,
             tls: TlsTarget | None = None) -> object:
    """GET `url` and parse the JSON answer, untyped: edges/answers.py types each API's answers."""
    return _parse(url, request(url, headers=headers, timeout=timeout, tls=tls))


def tls_handshake(port: int, tls: TlsTarget, timeout: float = 10.0) -> dict[str, Any]:
    """Complete a TLS handshake with 127.0.0.1:`port`, verifying chain and name; return what was negotiated.

    Raises ssl.SSLError (verification failed) or OSError (nothing answered); callers turn these into evidence.
    """
    with (socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw,
          tls.context().wrap_socket(raw, server_hostname=tls.server_name) as conn):
        cert = conn.getpeercert() or {}
        # The subject is a tuple of relative distinguished names, each a tuple of (key, value) pairs.
        subject = cast("tuple[tuple[tuple[str, str], ...], ...]", cert.get("subject", ()))
        return {"version": conn.version(), "cipher": (conn.cipher() or ("",))[0],
                "subject": dict(item for rdn in subject for item in rdn)}
