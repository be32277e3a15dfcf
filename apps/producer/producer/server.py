"""POST /events, where a load generator's readings come in (served by conveyor_common.http with the probes)."""

from __future__ import annotations

import threading

from conveyor_common.http import Request, Response
from conveyor_common.logs import Sampler
from conveyor_common.reading import Invalid

from producer import metrics
from producer.publisher import Publisher, Sample
from producer.readings import parse_batch, validate_sample

MAX_REPORTED_ERRORS = 20
RETRY_LATER = (("Retry-After", "1"),)


class Ingest:
    """Validates each reading of a request and publishes the valid ones; stops taking them at shutdown."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.logged = Sampler()  # a request's readings are logged at most once a second per line
        self.accepting = threading.Event()
        self.accepting.set()

    def taking_readings(self) -> bool:
        """Ready: not shutting down, and Kafka is taking readings."""
        return self.accepting.is_set() and self.publisher.ready()

    def handle(self, request: Request) -> Response:
        status, answer = self._ingest(request)
        metrics.INGEST_REQUESTS.labels(status=str(status)).inc()
        return Response.json(status, answer, RETRY_LATER if status == 503 else ())

    def _ingest(self, request: Request) -> tuple[int, dict[str, object]]:
        """A bad body is a 400 with the reason; a bad reading is reported by index in a 200."""
        if not self.taking_readings():
            return 503, {"error": "not accepting readings (starting, shutting down or Kafka unavailable); retry"}
        body = request.body()
        if not body:
            return 400, {"error": "send a JSON array of readings as the body, with a Content-Length"}
        try:
            items = parse_batch(body)
        except Invalid as error:
            return 400, {"error": str(error)}
        valid: list[tuple[int, Sample]] = []
        problems: list[tuple[int, str]] = []  # (index, reason)
        for index, item in enumerate(items):
            try:
                sample = validate_sample(item)
            except Invalid as error:
                problems.append((index, str(error)))
                continue
            valid.append((index, (sample.line, sample.speed_ms, sample.state)))
        # Published in one call; once Kafka stops taking readings, the rest of the request is refused with it.
        accepted = self.publisher.publish_many((reading for _, reading in valid), self.logged.allow)
        problems.extend((index, "Kafka is not taking readings; retry") for index, _ in valid[accepted:])
        errors = [{"index": index, "reason": reason} for index, reason in sorted(problems)]
        metrics.INGEST_READINGS.labels(result="accepted").inc(accepted)
        metrics.INGEST_READINGS.labels(result="rejected").inc(len(errors))
        return 200, {"accepted": accepted, "rejected": len(errors), "errors": errors[:MAX_REPORTED_ERRORS]}
