"""Runs the producer: HTTP server, Kafka publisher, simulated lines on a fixed tick, SIGTERM shutdown that
finishes within the pod's grace period and exits non-zero when readings were lost."""

from __future__ import annotations

import logging
import random
import threading
import time

from conveyor_common.http import HttpServer
from conveyor_common.main import stop_on_signals

from producer import metrics
from producer.publisher import Publisher
from producer.server import Ingest
from producer.settings import Settings
from producer.simulation import ConveyorLine

log = logging.getLogger("producer")
LOG_INTERVAL_S = 1.0  # each simulated line's reading is logged once a second (the seed's reading log)


def simulate(lines: list[ConveyorLine], rate_hz: float, publisher: Publisher, stop: threading.Event) -> None:
    """Publish one reading per line every 1/rate seconds until stopped; a late tick does not cause a burst. Once
    the publisher refuses a reading, the rest of the tick is skipped and counted, its lines not even stepped
    (trying each line in turn would spin against the sender for the GIL while Kafka catches up). Every line's
    reading is logged once a second: the readings of one tick a second."""
    period = 1.0 / rate_hz
    next_tick = next_log = time.monotonic()
    publish_many = publisher.publish_many
    while not stop.wait(max(0.0, next_tick - time.monotonic())):
        now = time.monotonic()
        logged = None
        if now >= next_log:
            logged, next_log = every_line, max(next_log + LOG_INTERVAL_S, now)
        taken = publish_many((line.step() for line in lines), logged)
        if taken < len(lines):
            metrics.SKIPPED.inc(len(lines) - taken)
        next_tick = max(next_tick + period, time.monotonic() - period)


def every_line(_line: str) -> bool:
    return True


def run(settings: Settings) -> int:
    """Serve until SIGTERM, then stop intake (HTTP drain at most HTTP_DRAIN_S) and flush what was accepted (at
    most PRODUCER_FLUSH_TIMEOUT_S): exit 0, or 1 when any reading was lost, with the count in the log."""
    stop = stop_on_signals()
    metrics.RATE_HZ.set(settings.rate_hz)
    metrics.LINES.set(settings.lines)
    publisher = Publisher(settings.kafka, settings.producer_id, settings.delivery)
    ingest = Ingest(publisher)
    server = HttpServer(settings.http, metrics.REGISTRY, ingest.taking_readings, publisher.healthy,
                        {("POST", "/events"): ingest.handle})
    server.start()
    publisher.start()
    log.info("Producer started", extra={"fields": {
        "producer": settings.producer_id, "lines": settings.lines, "rate_hz": settings.rate_hz,
        "topic": settings.kafka.topic, "http_port": settings.http.port}})
    lines = [ConveyorLine(f"line-{n}", random.Random(f"{settings.producer_id}/{n}"))
             for n in range(1, settings.lines + 1)]
    simulate(lines, settings.rate_hz, publisher, stop)
    log.info("Stopping: no new readings; flushing what was accepted")
    ingest.accepting.clear()
    server.stop()
    dropped = publisher.close(settings.flush_timeout_s)
    log.log(logging.ERROR if publisher.lost else logging.INFO, "Producer stopped", extra={"fields": {
        "producer": settings.producer_id, "sent": publisher.sent, "lost": publisher.lost, "dropped": dropped,
        "resent": publisher.resent}})
    return 1 if publisher.lost else 0
