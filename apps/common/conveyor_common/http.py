"""The HTTP server both apps run on HTTP_PORT: /metrics, /healthz and /readyz; an app adds routes by subclassing
ProbeHandler (the producer adds POST /events)."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class ProbeServer(ThreadingHTTPServer):
    """`ready` decides /readyz; `registry` is what /metrics shows."""

    def __init__(self, port: int, registry: CollectorRegistry, ready: Callable[[], bool],
                 handler: type[ProbeHandler] | None = None) -> None:
        self.registry = registry
        self.ready = ready
        super().__init__(("0.0.0.0", port), handler or ProbeHandler)


class ProbeHandler(BaseHTTPRequestHandler):
    server: ProbeServer

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self.send_body(200, generate_latest(self.server.registry), CONTENT_TYPE_LATEST)
        elif self.path == "/healthz":
            self.send_json(200, {"status": "ok"})
        elif self.path == "/readyz":
            ready = self.server.ready()
            self.send_json(200 if ready else 503, {"ready": ready})
        else:
            self.send_json(404, {"error": f"no route for GET {self.path}"})

    def send_json(self, status: int, body: dict[str, object]) -> None:
        self.send_body(status, json.dumps(body).encode(), "application/json")

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: metrics count them, and the logs stay about the data."""
