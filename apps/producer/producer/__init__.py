"""Conveyor speed producer: simulated lines plus an HTTP ingest endpoint, published to Kafka."""
