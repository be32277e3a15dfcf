"""A tiny local HTTP(S) server that answers recorded-shape API responses (Grafana, Loki, InfluxDB) by path, for the
services that cannot run on this machine. Tests put it behind the stand-in kubectl's `forward_to`."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any]  # (status, body: dict/list sent as JSON, or str/bytes sent as is)
Route = Answer | Callable[["Seen"], Answer]


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordedApi:
    port: int
    seen: list[Seen] = field(default_factory=list)


def _handler(routes: dict[str, Route], api: RecordedApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
            api.seen.append(request)
            route = next((routes[p] for p in sorted(routes, key=len, reverse=True) if self.path.startswith(p)), None)
            status, body = (404, {"message": "Not found"}) if route is None else (
                route(request) if callable(route) else route)
            raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if isinstance(body, (dict, list)) else "text/plain")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler


@contextmanager
def serve(routes: dict[str, Route], tls: ssl.SSLContext | None = None) -> Iterator[RecordedApi]:
    """Serve `routes` (longest path prefix wins) on a free 127.0.0.1 port until the block ends."""
    api = RecordedApi(0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes, api))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
