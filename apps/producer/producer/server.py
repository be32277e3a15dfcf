"""The producer's HTTP server: the shared probes plus POST /events, where a load generator's readings come in."""

from __future__ import annotations

import threading

from conveyor_common.http import ProbeHandler, ProbeServer
from producer import metrics
from producer.publisher import Publisher
from producer.readings import parse_batch, validate_sample

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_REPORTED_ERRORS = 20


class IngestServer(ProbeServer):
    """Joins its request threads on close, so no request publishes after the Kafka client is closed."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, port: int, publisher: Publisher) -> None:
        self.publisher = publisher
        self.accepting = threading.Event()
        self.accepting.set()
        super().__init__(port, metrics.REGISTRY, self.taking_readings, IngestHandler)

    def taking_readings(self) -> bool:
        """Ready: not shutting down, and Kafka acknowledged the latest delivery."""
        return self.accepting.is_set() and self.publisher.ready()


class IngestHandler(ProbeHandler):
    server: IngestServer

    def do_POST(self) -> None:
        if self.path != "/events":
            self.send_json(404, {"error": f"no route for POST {self.path}"})
            return
        status, answer = self._ingest()
        metrics.INGEST_REQUESTS.labels(status=str(status)).inc()
        self.send_json(status, answer)

    def _ingest(self) -> tuple[int, dict[str, object]]:
        """Validate each reading and publish the valid ones; a bad body is a 400 with the reason."""
        if not self.server.taking_readings():
            return 503, {"error": "not accepting readings (starting or shutting down); retry another replica"}
        length_header = self.headers.get("Content-Length") or "0"
        length = int(length_header) if length_header.isdigit() else 0
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
