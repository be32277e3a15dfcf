"""Conveyor speed processor: Kafka consumer group -> rolling analytics -> InfluxDB 2, at least once."""
