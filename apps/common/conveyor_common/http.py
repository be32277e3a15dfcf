"""The HTTP server both apps run: /metrics, /healthz and /readyz on HTTP_PORT, plus the routes an app adds (the
producer adds POST /events), and /healthz and /readyz again on HTTP_PROBE_PORT, a listener of their own for the
kubelet, so no flood of clients on the main port can starve the probes and get a healthy pod restarted.

Each listener runs on waitress, a WSGI server kept by the Pylons project, with its own socket map, event loop and
handler threads: one event loop reads every request, so a slow or idle client holds a socket rather than a thread,
and a fixed pool of threads runs the handlers; it parses HTTP strictly and answers a malformed request, a bad
Content-Length or a body over the limit with a 4xx itself. Around it, every bound is set (see HttpSettings): open
connections and open connections per client address (past either, the least recently active idle connection is
closed to make room), queued requests (503 with Retry-After beyond), idle time, whole-request time (408), body size
(413); stop() returns within the drain time whatever clients do.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from conveyor_common.env import HttpSettings, SettingsError

log = logging.getLogger("http")
JSON = "application/json"
LOOP_TICK_S = 0.25  # the event loop's poll timeout: how often stop and request deadlines are looked at
LOOK_OVER_S = 0.1  # how often open connections are looked over (caps, slow requests): O(connections) each time
# A connection with nothing in progress (no request being handled, no answer being sent) is idle. Past a client's
# own cap its idle connections are closed whatever their age (its newest is the one it wants); past the listener's
# cap only those older than this are, since a new connection's request may still be on its way.
EVICTION_GRACE_S = 1.0
# waitress's own hard limit sits this far above max_connections: closed connections leave its socket map one loop
# turn later, and young connections are not closed to make room.
HARD_LIMIT_SLACK = 64
# The probe listener's bounds: the kubelet opens one short connection per probe (startup, readiness, liveness), and
# NetworkPolicies let no pod reach the port (traffic from the pod's own node is always allowed).
PROBE_THREADS = 4  # a slow readiness check (the processor pings InfluxDB) leaves threads for liveness
PROBE_MAX_CONNECTIONS = 64
PROBE_MAX_CONNECTIONS_PER_CLIENT = 8
PROBE_IDLE_TIMEOUT_S = 10
PROBE_REQUEST_TIMEOUT_S = 5.0
PROBE_MAX_BODY_BYTES = 1024
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


@dataclass(frozen=True)
class Connection:
    """What the connection caps look at: one open connection (times from time.time(), as waitress keeps them)."""

    key: Hashable
    client: str
    busy: bool  # a request is being handled or its answer sent
    opened: float
    last_active: float


def to_close(connections: Sequence[Connection], now: float, max_connections: int, per_client: int,
             grace_s: float = EVICTION_GRACE_S) -> list[Hashable]:
    """The connections to close, least recently active first and only idle ones: a client's beyond `per_client`,
    then, while more than `max_connections` stay open, any opened at least `grace_s` ago."""
    idle = sorted((c for c in connections if not c.busy), key=lambda c: c.last_active)
    held = Counter(c.client for c in connections)
    closing: dict[Hashable, None] = {}
    for connection in idle:
        if held[connection.client] > per_client:
            closing[connection.key] = None
            held[connection.client] -= 1
    excess = len(connections) - len(closing) - max_connections
    for connection in idle:
        if excess <= 0:
            break
        if connection.key not in closing and now - connection.opened >= grace_s:
            closing[connection.key] = None
            excess -= 1
    return list(closing)


class Application:
    """The WSGI application over `routes`: 503 while `overloaded()`, 404 for no route, and never a handler's
    exception turned into a dropped connection."""

    def __init__(self, routes: Mapping[tuple[str, str], Handler], overloaded: Callable[[], bool] = lambda: False):
        self.routes = routes
        self.overloaded = overloaded

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
        response = self.respond(Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", environ))
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *response.headers]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [response.body]

    def respond(self, request: Request) -> Response:
        if self.overloaded():
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


def probe_bounds(settings: HttpSettings) -> HttpSettings:
    """The probe listener's settings: the app's probe port, with the probe bounds above."""
    return dataclasses.replace(
        settings, port=settings.probe_port, threads=PROBE_THREADS, max_connections=PROBE_MAX_CONNECTIONS,
        max_connections_per_client=PROBE_MAX_CONNECTIONS_PER_CLIENT, idle_timeout_s=PROBE_IDLE_TIMEOUT_S,
        request_timeout_s=PROBE_REQUEST_TIMEOUT_S, max_body_bytes=PROBE_MAX_BODY_BYTES)


class HttpServer:
    """Serves the probes and `routes` on settings.port and the probes alone on settings.probe_port; `ready`
    decides /readyz, `healthy` /healthz."""

    def __init__(self, settings: HttpSettings, registry: CollectorRegistry, ready: Callable[[], bool],
                 healthy: Callable[[], bool] = lambda: True, routes: Mapping[tuple[str, str], Handler] | None = None,
                 host: str = "0.0.0.0") -> None:
        probes: dict[tuple[str, str], Handler] = {
            ("GET", "/healthz"): lambda _: self._probe(healthy(), "healthy"),
            ("GET", "/readyz"): lambda _: self._probe(ready(), "ready")}
        main_routes: dict[tuple[str, str], Handler] = {
            ("GET", "/metrics"): lambda _: Response(200, generate_latest(registry), CONTENT_TYPE_LATEST),
            **probes, **(routes or {})}
        self._main = Listener(Application(main_routes, self._overloaded), settings, host, "HTTP_PORT")
        self._probes = Listener(Application(probes), probe_bounds(settings), host, "HTTP_PROBE_PORT")
        self.settings = settings
        self.port = self._main.port
        self.probe_port = self._probes.port
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # overload is answered and counted, not logged

    def start(self) -> None:
        self._main.start()
        self._probes.start()

    def stop(self) -> None:
        """Stop taking connections, give requests already taken `drain_s` to be answered, then close every
        connection; returns within about drain_s + 2 s."""
        for listener in (self._main, self._probes):
            listener.stopping.set()
        for listener in (self._main, self._probes):
            listener.join()

    def _overloaded(self) -> bool:
        return self._main.queued() >= self.settings.max_queued

    @staticmethod
    def _probe(ok: bool, name: str) -> Response:
        return Response.json(200 if ok else 503, {name: ok})


class Listener:
    """One waitress server on its own socket, socket map, event-loop thread and handler threads, with the
    connection caps and the whole-request deadline applied from the loop."""

    def __init__(self, app: Application, settings: HttpSettings, host: str, variable: str) -> None:
        """`variable` names the setting of the port, for the error when it cannot be opened."""
        self.settings = settings
        self._map: dict[int, Any] = {}
        try:
            # One host and port: create_server makes a single server (a MultiSocketServer is only for several).
            self._server = cast(BaseWSGIServer, create_server(
                app, map=self._map, host=host, port=settings.port, threads=settings.threads,
                connection_limit=settings.max_connections + HARD_LIMIT_SLACK, backlog=settings.backlog,
                channel_timeout=settings.idle_timeout_s, cleanup_interval=max(1, min(settings.idle_timeout_s // 2, 5)),
                max_request_body_size=settings.max_body_bytes, asyncore_use_poll=True, ident="conveyor",
                expose_tracebacks=False))
        except OSError as error:
            raise SettingsError(f"{variable}={settings.port} cannot be listened on ({error.strerror}); free the port "
                                f"or set {variable} to another.") from None
        # Set by BaseWSGIServer.__init__ from the bound socket; types-waitress does not declare it.
        self.port: int = self._server.effective_port  # type: ignore[attr-defined]
        self.stopping = threading.Event()
        self._first_seen: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()
        self._thread = threading.Thread(target=self._serve, name=f"http-{settings.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join(self.settings.drain_s + 2)

    def queued(self) -> int:
        """Complete requests waiting for a handler thread."""
        return len(self._server.task_dispatcher.queue)

    def _serve(self) -> None:
        next_look = 0.0
        while not self.stopping.is_set():
            wasyncore.loop(timeout=LOOP_TICK_S, map=self._map, use_poll=True, count=1)
            if time.monotonic() >= next_look:
                next_look = time.monotonic() + LOOK_OVER_S
                self._look_over()
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

    def _look_over(self) -> None:
        """Answer requests that arrive too slowly, then close idle connections past the caps."""
        open_channels = [channel for channel in list(self._map.values()) if isinstance(channel, HTTPChannel)
                         and not (channel.will_close or channel.close_when_flushed)]
        self._answer_slow_requests(open_channels, time.monotonic())
        now = time.time()
        connections = [Connection(channel, _client(channel), self._busy(channel), channel.creation_time,
                                  channel.last_activity) for channel in open_channels]
        for channel in to_close(connections, now, self.settings.max_connections,
                                self.settings.max_connections_per_client):
            cast(HTTPChannel, channel).will_close = True  # closed on the loop's next turn

    def _answer_slow_requests(self, channels: list[HTTPChannel], now: float) -> None:
        """408 and close for a request whose head or body has been arriving for longer than request_timeout_s
        (waitress's own channel_timeout only closes connections where nothing arrives at all)."""
        for channel in channels:
            request = getattr(channel, "request", None)  # the request still being received on this connection
            if request is None or channel.close_when_flushed:
                continue
            if now - self._first_seen.setdefault(request, now) > self.settings.request_timeout_s:
                try:
                    channel.write_soon(TIMEOUT_ANSWER)
                except ClientDisconnected:
                    continue  # gone already; waitress closes it
                channel.close_when_flushed = True


def _client(channel: HTTPChannel) -> str:
    """The client's address without its port (waitress keeps (host, port) for TCP)."""
    address = channel.addr
    return str(address[0]) if isinstance(address, tuple) else str(address)
