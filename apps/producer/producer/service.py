"""Runs the producer: HTTP server, Kafka connection, simulated lines on a fixed tick, clean SIGTERM shutdown."""

from __future__ import annotations

import logging
import random
import threading
import time

from conveyor_common.main import stop_on_signals

from producer import metrics
from producer.publisher import Publisher
from producer.server import IngestServer
from producer.settings import Settings
from producer.simulation import ConveyorLine

log = logging.getLogger("producer")


def simulate(lines: list[ConveyorLine], rate_hz: float, publisher: Publisher, stop: threading.Event) -> None:
    """Publish one reading per line every 1/rate seconds until stopped; a late tick does not cause a burst."""
    period = 1.0 / rate_hz
    next_tick = time.monotonic()
    while not stop.wait(max(0.0, next_tick - time.monotonic())):
        for line in lines:
            state, speed = line.step()
            publisher.publish(line.line_id, speed, state)
        next_tick = max(next_tick + period, time.monotonic() - period)


def run(settings: Settings) -> int:
    """Serve until SIGTERM, then stop intake and flush what was accepted: exit 0, or 1 when Kafka did not
    acknowledge everything within the flush timeout (those readings are logged and counted as failed)."""
    stop = stop_on_signals()
    metrics.RATE_HZ.set(settings.rate_hz)
    metrics.LINES.set(settings.lines)
    publisher = Publisher(settings.kafka, settings.producer_id)
    server = IngestServer(settings.http_port, publisher)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info("Producer started", extra={"fields": {
        "producer": settings.producer_id, "lines": settings.lines, "rate_hz": settings.rate_hz,
        "topic": settings.kafka.topic, "http_port": settings.http_port}})
    if publisher.connect(stop):
        lines = [ConveyorLine(f"line-{n}", random.Random(f"{settings.producer_id}/{n}"))
                 for n in range(1, settings.lines + 1)]
        simulate(lines, settings.rate_hz, publisher, stop)
    log.info("Stopping: no new readings; flushing what was accepted")
    server.accepting.clear()
    server.shutdown()
    server.server_close()
    dropped = publisher.close(settings.flush_timeout_s)
    log.info("Producer stopped", extra={"fields": {
        "producer": settings.producer_id, "sent": publisher.sent, "failed": publisher.failed, "dropped": dropped}})
    return 1 if dropped else 0
