"""What the processor's group membership does when kafka-python tells it the partitions were lost (the member was
evicted: session expired, fenced): no commit can be made any more, so the delivered offsets are forgotten, not
sent later under a generation the group no longer knows, and the lag of those partitions stops being reported."""

from __future__ import annotations

import asyncio
import threading

from kafka.structs import OffsetAndMetadata, TopicPartition
from processor import metrics
from processor.pipeline import Pipeline
from processor.settings import load
from processor.sink import InfluxSink

from tests.apps.helpers import OFFLINE_ENV


def test_an_evicted_member_forgets_its_delivered_offsets_and_the_lag_of_its_partitions() -> None:
    settings = load(OFFLINE_ENV)
    pipeline = Pipeline(settings, InfluxSink(settings.influx), threading.Event())
    lost, kept = TopicPartition("t", 0), TopicPartition("t", 1)
    try:
        pipeline.delivered = {lost: OffsetAndMetadata(10, "", -1)}
        metrics.LAG.labels("t", "0").set(5)
        metrics.LAG.labels("t", "1").set(7)
        asyncio.run(pipeline.membership.on_partitions_lost({lost}))
        assert pipeline.delivered == {}
        assert metrics.REGISTRY.get_sample_value("processor_partition_lag", {"topic": "t", "partition": "0"}) is None
        assert metrics.REGISTRY.get_sample_value("processor_partition_lag", {"topic": "t", "partition": "1"}) == 7
    finally:
        metrics.LAG.remove(kept.topic, str(kept.partition))
        pipeline.writer.shutdown()
