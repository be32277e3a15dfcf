"""The producer's HTTP server: /metrics, /healthz, /readyz and POST /events for load generators."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from producer import metrics
from producer.publisher import Publisher
from producer.readings import parse_batch, validate_sample

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_REPORTED_ERRORS = 20


class IngestServer(ThreadingHTTPServer):
    """Joins its request threads on close, so no request publishes after the Kafka client is closed."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, port: int, publisher: Publisher) -> None:
        self.publisher = publisher
        self.accepting = threading.Event()
        self.accepting.set()
        super().__init__(("0.0.0.0", port), Handler)


class Handler(BaseHTTPRequestHandler):
    server: IngestServer

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self._send(200, generate_latest(metrics.REGISTRY), CONTENT_TYPE_LATEST)
        elif self.path == "/healthz":
            self._json(200, {"status": "ok"})
        elif self.path == "/readyz":
            ready = self.server.accepting.is_set() and self.server.publisher.ready()
            self._json(200 if ready else 503, {"ready": ready})
        else:
            self._json(404, {"error": f"no route for GET {self.path}"})

    def do_POST(self) -> None:
        if self.path != "/events":
            self._json(404, {"error": f"no route for POST {self.path}"})
            return
        status, answer = self._ingest()
        metrics.INGEST_REQUESTS.labels(status=str(status)).inc()
        self._json(status, answer)

    def _ingest(self) -> tuple[int, dict[str, object]]:
        """Validate each reading and publish the valid ones; a bad body is a 400 with the reason."""
        if not self.server.accepting.is_set() or not self.server.publisher.ready():
            return 503, {"error": "not accepting readings (starting or shutting down); retry another replica"}
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            return 400, {"error": f"send a JSON array body of 1 to {MAX_BODY_BYTES} bytes with Content-Length"}
        try:
            items = parse_batch(self.rfile.read(length))
        except ValueError as error:
            return 400, {"error": str(error)}
        accepted, errors = 0, []
        for index, item in enumerate(items):
            try:
                sample = validate_sample(item)
            except ValueError as error:
                errors.append({"index": index, "reason": str(error)})
                continue
            if self.server.publisher.publish(sample.line, sample.speed_ms, sample.state):
                accepted += 1
            else:
                errors.append({"index": index, "reason": "Kafka refused the reading"})
        metrics.INGEST_READINGS.labels(result="accepted").inc(accepted)
        metrics.INGEST_READINGS.labels(result="rejected").inc(len(errors))
        return 200, {"accepted": accepted, "rejected": len(errors), "errors": errors[:MAX_REPORTED_ERRORS]}

    def _json(self, status: int, body: dict[str, object]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Request lines are not logged: metrics count them, and logs stay about readings."""
