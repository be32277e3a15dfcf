"""The HTTP server both apps run on HTTP_PORT: /metrics, /healthz and /readyz, plus the routes an app adds (the
producer adds POST /events).

It runs on waitress, a WSGI server kept by the Pylons project: one event loop reads every request, so a slow or
idle client holds a socket rather than a thread, and a fixed pool of threads runs the handlers; it parses HTTP
strictly and answers a malformed request, a bad Content-Length or a body over the limit with a 4xx itself. Around
it, every bound is set (see HttpSettings): open connections, queued requests (503 with Retry-After beyond),
idle time, whole-request time (408), body size (413); stop() returns within the drain time whatever clients do.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from conveyor_common.env import HttpSettings

log = logging.getLogger("http")
JSON = "application/json"
LOOP_TICK_S = 0.25  # the event loop's poll timeout: how often stop and request deadlines are looked at
TIMEOUT_BODY = json.dumps({"error": "the request took too long to arrive"}).encode()
TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(TIMEOUT_BODY), TIMEOUT_BODY))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, body: Mapping[str, object], headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return cls(status, json.dumps(body).encode(), JSON, headers)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    environ: dict[str, Any] = field(repr=False)

    def body(self) -> bytes:
        """The whole body (waitress has read it already, and refused it with a 413 if over the limit)."""
        length = int(self.environ.get("CONTENT_LENGTH") or 0)
        return self.environ["wsgi.input"].read(length) if length > 0 else b""


Handler = Callable[[Request], Response]


class HttpServer:
    """Serves the probes and `routes` on settings.port; `ready` decides /readyz, `healthy` /healthz."""

    def __init__(self, settings: HttpSettings, registry: CollectorRegistry, ready: Callable[[], bool],
                 healthy: Callable[[], bool] = lambda: True, routes: Mapping[tuple[str, str], Handler] | None = None,
                 host: str = "0.0.0.0") -> None:
        self.settings = settings
        self.registry = registry
        self.ready = ready
        self.healthy = healthy
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/metrics"): lambda _: Response(200, generate_latest(self.registry), CONTENT_TYPE_LATEST),
            ("GET", "/healthz"): lambda _: self._probe(self.healthy(), "healthy"),
            ("GET", "/readyz"): lambda _: self._probe(self.ready(), "ready"),
            **(routes or {})}
        self._map: dict[int, Any] = {}
        # One host and port: create_server makes a single server (a MultiSocketServer is only for several).
        self._server = cast(BaseWSGIServer, create_server(
            self, map=self._map, host=host, port=settings.port, threads=settings.threads,
            connection_limit=settings.max_connections, backlog=settings.backlog,
            channel_timeout=settings.idle_timeout_s, cleanup_interval=max(1, min(settings.idle_timeout_s // 2, 5)),
            max_request_body_size=settings.max_body_bytes, asyncore_use_poll=True, ident="conveyor",
            expose_tracebacks=False))
        # Set by BaseWSGIServer.__init__ from the bound socket; types-waitress does not declare it.
        self.port: int = self._server.effective_port  # type: ignore[attr-defined]
        self._stop = threading.Event()
        self._first_seen: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # overload is answered and counted, not logged

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop taking connections, give requests already taken `drain_s` to be answered, then close every
        connection; returns within about drain_s + 2 s."""
        self._stop.set()
        self._thread.join(self.settings.drain_s + 2)

    @staticmethod
    def _probe(ok: bool, name: str) -> Response:
        return Response.json(200 if ok else 503, {name: ok})

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
        """The WSGI application: route, and never let a handler's exception become a dropped connection."""
        response = self._respond(Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", environ))
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *response.headers]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [response.body]

    def _respond(self, request: Request) -> Response:
        if len(self._server.task_dispatcher.queue) >= self.settings.max_queued:
            return Response.json(503, {"error": "too many requests in progress; retry shortly"},
                                 (("Retry-After", "1"),))
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return Response.json(404, {"error": f"no route for {request.method} {request.path}"})
        try:
            return handler(request)
        except Exception:
            log.exception("Request handler failed", extra={"fields": {"path": request.path}})
            return Response.json(500, {"error": "internal error; the request was not processed"})

    def _serve(self) -> None:
        while not self._stop.is_set():
            wasyncore.loop(timeout=LOOP_TICK_S, map=self._map, use_poll=True, count=1)
            self._answer_slow_requests(time.monotonic())
        wasyncore.dispatcher.close(self._server)  # the listening socket only; the trigger still wakes the loop
        deadline = time.monotonic() + self.settings.drain_s
        while time.monotonic() < deadline and any(self._busy(channel) for channel in list(self._map.values())):
            wasyncore.loop(timeout=LOOP_TICK_S, map=self._map, use_poll=True, count=1)
        wasyncore.close_all(self._map)
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)

    @staticmethod
    def _busy(channel: object) -> bool:
        """A connection with a complete request being handled or an answer still being sent."""
        return isinstance(channel, HTTPChannel) and bool(channel.requests or channel.total_outbufs_len)

    def _answer_slow_requests(self, now: float) -> None:
        """408 and close for a request whose head or body has been arriving for longer than request_timeout_s
        (waitress's own channel_timeout only closes connections where nothing arrives at all)."""
        for channel in list(self._map.values()):
            request = getattr(channel, "request", None)  # the request still being received on this connection
            if request is None or not isinstance(channel, HTTPChannel) or channel.close_when_flushed:
                continue
            if now - self._first_seen.setdefault(request, now) > self.settings.request_timeout_s:
                try:
                    channel.write_soon(TIMEOUT_ANSWER)
                except ClientDisconnected:
                    continue  # gone already; waitress closes it
                channel.close_when_flushed = True
