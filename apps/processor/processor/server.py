"""The processor's HTTP server: /metrics, /healthz, and /readyz (group joined and InfluxDB answering ping)."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from processor import metrics


class ProbeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, ready: Callable[[], bool]) -> None:
        self.ready = ready
        super().__init__(("0.0.0.0", port), Handler)


class Handler(BaseHTTPRequestHandler):
    server: ProbeServer

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self._send(200, generate_latest(metrics.REGISTRY), CONTENT_TYPE_LATEST)
        elif self.path == "/healthz":
            self._send(200, b'{"status": "ok"}', "application/json")
        elif self.path == "/readyz":
            ready = self.server.ready()
            self._send(200 if ready else 503, json.dumps({"ready": ready}).encode(), "application/json")
        else:
            self._send(404, json.dumps({"error": f"no route for GET {self.path}"}).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Probe and scrape requests are not logged: they would drown the batch logs."""
