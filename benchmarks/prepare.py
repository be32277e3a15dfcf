"""The processor's own work per message, in-process and without servers: CPU time of `Pipeline.prepare` (decode,
validate, analyse, line protocol) over batches of the readings the benchmark's producer writes, so a change to that
path is measured apart from kafka-python's polling and the machine's other load (CPU time, best of several runs).

Run from the repository root: `python -m benchmarks.prepare [--messages 60000] [--batch 2000]`.
"""

from __future__ import annotations

import argparse
import threading
import time

from kafka.consumer.fetcher import ConsumerRecord
from processor.pipeline import Pipeline
from processor.settings import load
from processor.sink import InfluxSink

from benchmarks.apps import payload
from tests.apps.helpers import OFFLINE_ENV


def records(count: int) -> list[ConsumerRecord]:
    """`count` messages as kafka-python hands them over: the benchmark's payload, 500 lines, one producer."""
    made = []
    for seq in range(count):
        key, value = payload(seq, "bench")
        made.append(ConsumerRecord("t", seq % 3, -1, seq, 0, 0, key, value, [], None, len(key), len(value), -1))
    return made


def us_per_message(messages: list[ConsumerRecord], batch: int, runs: int) -> float:
    """Best CPU time per message of preparing every batch with a fresh pipeline (a fresh analytics state)."""
    settings = load(OFFLINE_ENV)
    best = float("inf")
    for _ in range(runs):
        pipeline = Pipeline(settings, InfluxSink(settings.influx), threading.Event())
        start = time.process_time()
        for offset in range(0, len(messages), batch):
            pipeline.prepare(messages[offset:offset + batch])
        best = min(best, time.process_time() - start)
        pipeline.writer.shutdown()
    return best / len(messages) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU time of the processor's own work per message.")
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=2000, help="messages per polled batch (default 2000)")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    messages = records(options.messages)
    print(f"{us_per_message(messages, options.batch, options.runs):.2f} us of CPU per message "
          f"(best of {options.runs}, batches of {options.batch})")


if __name__ == "__main__":
    main()
