"""The producer's Prometheus metrics, in their own registry so /metrics shows exactly these."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

SENT = Counter("producer_messages_sent", "Readings Kafka acknowledged (acks=all).", registry=REGISTRY)
FAILED = Counter("producer_messages_failed",
                 "Readings lost: not delivered after every resend, or unacknowledged when the flush at shutdown "
                 "timed out.", registry=REGISTRY)
RESENT = Counter("producer_messages_resent", "Readings sent again through a new Kafka client.", registry=REGISTRY)
CLIENT_RESTARTS = Counter("producer_kafka_client_restarts",
                          "Kafka clients replaced after a fatal error or a stall.", registry=REGISTRY)
UNACKED = Gauge("producer_messages_unacknowledged",
                "Readings held until acknowledged (acknowledgements are collected every 50 ms).",
                registry=REGISTRY)
SKIPPED = Counter("producer_simulated_readings_skipped",
                  "Simulated readings not taken because Kafka was not taking readings.", registry=REGISTRY)
SEND_LATENCY = Histogram(
    "producer_send_latency_seconds", "Time from send() to the broker's acknowledgement.", registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
INGEST_REQUESTS = Counter(
    "producer_ingest_requests", "POST /events requests by HTTP status.", ["status"], registry=REGISTRY)
INGEST_READINGS = Counter(
    "producer_ingest_readings", "Readings received on POST /events by result.", ["result"], registry=REGISTRY)
RATE_HZ = Gauge("producer_configured_rate_hz", "Configured readings per second per simulated line.",
                registry=REGISTRY)
LINES = Gauge("producer_configured_lines", "Configured number of simulated conveyor lines.", registry=REGISTRY)
