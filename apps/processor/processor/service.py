"""Runs the processor: probe server, Kafka group member, InfluxDB sink; SIGTERM leaves the group cleanly."""

from __future__ import annotations

import logging

from conveyor_common.http import HttpServer
from conveyor_common.main import stop_on_signals

from processor import metrics
from processor.pipeline import Pipeline
from processor.settings import Settings
from processor.sink import InfluxSink

log = logging.getLogger("processor")


def run(settings: Settings) -> int:
    """Consume until SIGTERM; the batch in flight is finished or abandoned uncommitted, then the group is left."""
    stop = stop_on_signals()
    sink = InfluxSink(settings.influx)
    pipeline = Pipeline(settings, sink, stop)
    server = HttpServer(settings.http, metrics.REGISTRY, lambda: pipeline.membership.joined.is_set() and sink.ping())
    server.start()
    log.info("Processor started", extra={"fields": {
        "topic": settings.kafka.topic, "group": settings.consumer.group_id, "influxdb": settings.influx.url,
        "http_port": settings.http.port}})
    try:
        if pipeline.connect():
            pipeline.run()
    finally:
        pipeline.close()
        server.stop()
        sink.close()
    log.info("Processor stopped")
    return 0
