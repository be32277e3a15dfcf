"""The processor's Prometheus metrics, in their own registry so /metrics shows exactly these."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

CONSUMED = Counter("processor_messages_consumed", "Messages polled from Kafka.", registry=REGISTRY)
POINTS_WRITTEN = Counter("processor_influxdb_writes", "Points InfluxDB accepted.", registry=REGISTRY)
WRITE_BATCHES = Counter("processor_influxdb_write_batches", "Batches InfluxDB accepted.", registry=REGISTRY)
WRITE_ERRORS = Counter("processor_influxdb_write_errors", "Failed InfluxDB batch writes (retried).", registry=REGISTRY)
DLQ_ERRORS = Counter("processor_dlq_errors", "Failed sends to the DLQ topic (retried).", registry=REGISTRY)
INVALID = Counter("processor_invalid_messages", "Messages that were not valid readings (sent to the DLQ).",
                  registry=REGISTRY)
REFUSED = Counter("processor_refused_points", "Valid readings InfluxDB refused as malformed (sent to the DLQ).",
                  registry=REGISTRY)
UNREADABLE = Counter("processor_unreadable_offsets",
                     "Offsets the Kafka client could not read (CRC mismatch, a payload that does not decompress), "
                     "skipped and sent to the DLQ empty with the reason.", registry=REGISTRY)
POLL_ERRORS = Counter("processor_poll_errors", "Kafka polls that failed for a reason other than the data (retried).",
                      registry=REGISTRY)
LINES = Gauge("processor_analytics_lines", "Lines with a rolling window in memory.", registry=REGISTRY)
EVICTIONS = Counter("processor_analytics_evictions", "Line windows dropped, by reason (idle or capacity).",
                    ["reason"], registry=REGISTRY)
ANOMALIES = Counter("processor_anomalies", "Readings flagged by the analytics.", ["kind"], registry=REGISTRY)
END_TO_END = Histogram(
    "processor_end_to_end_latency_seconds", "Event time to InfluxDB acknowledging the write.", registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
BATCH_SIZE = Histogram("processor_batch_size", "Messages per polled batch.", registry=REGISTRY,
                       buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500))
LAG = Gauge("processor_partition_lag", "High watermark minus position, per assigned partition.",
            ["topic", "partition"], registry=REGISTRY)
