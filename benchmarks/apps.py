"""Benchmarks of the producer and processor against real local servers (Tansu, victoria-metrics), not tests:
each prints ratios measured in one run on this machine.

- producer throughput vs a bare kafka-python send loop with the same payload, key and delivery guarantees
  (goal >= 0.9x), and the producer's rate when one load generator process feeds it over POST /events;
- processor end-to-end throughput (Kafka to InfluxDB write accepted) vs a bare consume loop (goal >= 0.8x);
- RSS and CPU of each app at the default 1 Hz (goal < 100 MiB, < 2% of a core).

App and bare runs alternate (bare, app, bare, app, ..., bare) and each app run is compared with the mean of the
bare runs on either side of it, because the broker's state and the machine's load drift during a run; the
summary is the median of those ratios and their spread.

Run from the repository root: `python -m benchmarks.apps [--rounds 5]` (about three minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from conveyor_common.reading import Reading
from kafka import KafkaConsumer, KafkaProducer
from processor.pipeline import consumer_options
from processor.settings import load as load_processor_settings
from producer.publisher import CLIENT_OPTIONS

from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream, app_env
from tests.fixtures.servers import (
    Kafka,
    VictoriaMetrics,
    running,
    tansu_server,
    victoria_metrics_server,
)

PARTS = frozenset({"producer", "processor", "idle"})  # what measure() compares: each app, and both at 1 Hz


class Rate(NamedTuple):
    """Readings per second of wall time, and per second of the client process's CPU time (steadier on a shared
    machine: another process taking the cores for a while slows the first, not the second)."""

    per_s: float
    per_cpu_s: float


def payload(seq: int, producer: str) -> tuple[bytes, bytes]:
    reading = Reading(time.time_ns(), f"line-{seq % 500}", 0.2, "running", producer, seq)
    return reading.key(), reading.encode()


def bare_send_rate(kafka: Kafka, seconds: float) -> Rate:
    """Readings per second a plain send loop gets acknowledged, flush included; timed from a warm client (producer
    id and topic metadata fetched, as the app's are when it is measured)."""
    stream = Stream.create(kafka)
    producer = KafkaProducer(**CLIENT_OPTIONS, **kafka.client_options())
    key, value = payload(0, "bare-warm-up")
    producer.send(stream.topic, key=key, value=value).get(timeout=30)
    sent, start, cpu = 0, time.monotonic(), time.process_time()
    while time.monotonic() - start < seconds:
        key, value = payload(sent, "bare")
        producer.send(stream.topic, key=key, value=value)
        sent += 1
    producer.flush()
    rate = Rate(sent / (time.monotonic() - start), sent / (time.process_time() - cpu))
    producer.close()
    return rate


def app_send_rate(kafka: Kafka, launcher: AppLauncher, seconds: float) -> Rate:
    """Acknowledged readings per second of the producer app simulating far more than it can send."""
    stream = Stream.create(kafka)
    app = launcher.start("producer", stream.producer_env(kafka, lines=500, rate_hz=1000))
    app.wait_ready()
    time.sleep(2)
    before, start, cpu = app.metric("producer_messages_sent_total"), time.monotonic(), cpu_seconds(app.proc.pid)
    time.sleep(seconds)
    sent = app.metric("producer_messages_sent_total") - before
    rate = Rate(sent / (time.monotonic() - start), sent / (cpu_seconds(app.proc.pid) - cpu))
    app.terminate()
    return rate


def loadgen_rate(kafka: Kafka, launcher: AppLauncher, seconds: float) -> dict[str, float]:
    """Acknowledged readings per second of a producer fed only by one load generator process asking for far more
    than it can take (so the figure is the producer's rate if one process can drive it)."""
    stream = Stream.create(kafka)
    app = launcher.start("producer", stream.producer_env(kafka, lines=1, rate_hz=0.01))
    app.wait_ready()
    load = subprocess.Popen([sys.executable, "-m", "producer.loadgen", "--target", f"http://{app.address}",
                             "--rate", "50000", "--duration", str(seconds + 4), "--batch", "500", "--workers", "4"],
                            stdout=subprocess.PIPE, text=True, env=app_env({}))
    time.sleep(2)
    before, start = app.metric("producer_messages_sent_total"), time.monotonic()
    time.sleep(seconds)
    rate = (app.metric("producer_messages_sent_total") - before) / (time.monotonic() - start)
    summary = json.loads(load.communicate(timeout=120)[0])
    app.terminate()
    return {"acknowledged_per_s": round(rate), "refused": summary["refused"],
            "failed_requests": summary["failed_requests"]}


def fill(kafka: Kafka, topic: str, count: int, producer_id: str) -> None:
    producer = KafkaProducer(**CLIENT_OPTIONS, **kafka.client_options())
    for seq in range(count):
        key, value = payload(seq, producer_id)
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def bare_consume_rate(stream: Stream, kafka: Kafka, influx: VictoriaMetrics, count: int) -> Rate:
    """Records per second of a plain group consumer, from its first record to the last; with the processor's own
    client settings (`processor.pipeline.consumer_options` of the environment the app is given: max_poll_records
    and the group timings) in a group of its own."""
    options = consumer_options(load_processor_settings(stream.processor_env(kafka, influx)))
    consumer = KafkaConsumer(stream.topic, **options | {"group_id": f"bare-{uuid.uuid4().hex[:8]}"})
    seen, first, cpu = 0, 0.0, 0.0
    while seen < count:
        batch = consumer.poll(timeout_ms=1000)
        if batch and not first:
            first, cpu = time.monotonic(), time.process_time()
        seen += sum(len(records) for records in batch.values())
    rate = Rate(count / (time.monotonic() - first), count / (time.process_time() - cpu))
    consumer.close()
    return rate


def app_process_rate(stream: Stream, kafka: Kafka, influx: VictoriaMetrics, launcher: AppLauncher,
                     count: int, costs: CpuCosts) -> Rate:
    """Readings per second the processor app takes from Kafka to an accepted InfluxDB write. Its progress is
    read from its log (a line per written batch), not from /metrics: rendering the registry several times a second
    costs the app CPU and the GIL, which the bare loop, never scraped, does not pay. `costs` records where the CPU
    of the round went."""
    app = launcher.start("processor", stream.processor_env(kafka, influx))
    app.wait_status("/healthz", 200)
    while app.metric("processor_messages_consumed_total") == 0:
        time.sleep(0.02)
    pid = app.proc.pid
    first, cpu, before = time.monotonic(), cpu_seconds(pid), costs.read(pid)
    while points_written(app) < count:
        time.sleep(0.05)
    rate = Rate(count / (time.monotonic() - first), count / (cpu_seconds(pid) - cpu))
    costs.add(before, costs.read(pid), count)
    app.terminate()
    return rate


def points_written(app: AppProcess) -> int:
    """Points InfluxDB accepted, by the processor's log line for each written batch."""
    return sum(int(str(entry["points"])) for entry in app.logs()
               if str(entry.get("message", "")).endswith(" points accepted"))


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User and system CPU of process `pid`, or of its thread `tid`."""
    stat = Path(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuCosts:
    """Where the CPU of the processor's rounds went, in microseconds per reading: the app's main thread (polling,
    preparing, committing), its other threads (the InfluxDB writer, kafka-python's network thread), and each
    server's process (`servers`: name -> pid). On a machine of few cores the servers share the cores with the app,
    so their CPU bounds the app's wall-time rate too."""

    servers: dict[str, int]
    rounds: list[dict[str, float]] = field(default_factory=list)

    def read(self, app_pid: int) -> dict[str, float]:
        main = cpu_seconds(app_pid, app_pid)
        return {"app_main_thread": main, "app_other_threads": cpu_seconds(app_pid) - main,
                **{name: cpu_seconds(pid) for name, pid in self.servers.items()}}

    def add(self, before: dict[str, float], after: dict[str, float], readings: int) -> None:
        self.rounds.append({name: round((after[name] - before[name]) / readings * 1e6, 2) for name in before})

    def medians(self) -> dict[str, float]:
        return {name: round(statistics.median(costs[name] for costs in self.rounds), 2) for name in self.rounds[0]}


def rss_mib(pid: int) -> float:
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def footprint(apps: list[AppProcess], seconds: float) -> dict[str, dict[str, float]]:
    """RSS (MiB) at the end and CPU (% of one core) over `seconds` of each running app."""
    start = {app.module: cpu_seconds(app.proc.pid) for app in apps}
    time.sleep(seconds)
    return {app.module: {"rss_mib": round(rss_mib(app.proc.pid), 1), "cpu_percent": round(
        100 * (cpu_seconds(app.proc.pid) - start[app.module]) / seconds, 2)} for app in apps}


def interleaved(bare: Callable[[], Rate], app: Callable[[int], Rate], rounds: int) -> dict[str, object]:
    """`rounds` app runs, each between two bare runs (shared with the next round), and the ratios' summary."""
    bares, apps = [bare()], []
    for n in range(rounds):
        apps.append(app(n))
        bares.append(bare())
    return summary(bares, apps)


def summary(bares: list[Rate], apps: list[Rate]) -> dict[str, object]:
    """Each app rate against the mean of the bare rates before and after it, by wall time and by CPU time: the
    median ratios, their spread and every rate."""
    return {"wall": ratios([bare.per_s for bare in bares], [app.per_s for app in apps]),
            "cpu": ratios([bare.per_cpu_s for bare in bares], [app.per_cpu_s for app in apps])}


def ratios(bares: list[float], apps: list[float]) -> dict[str, object]:
    values = [app / ((before + after) / 2) for before, app, after in zip(bares, apps, bares[1:], strict=False)]
    return {"median_ratio": round(statistics.median(values), 2), "min_ratio": round(min(values), 2),
            "max_ratio": round(max(values), 2), "ratios": [round(value, 2) for value in values],
            "app_per_s": [round(value) for value in apps], "bare_per_s": [round(value) for value in bares]}


def measure(kafka: Kafka, influx: VictoriaMetrics, launcher: AppLauncher, rounds: int,
            parts: frozenset[str] = PARTS, servers: dict[str, int] | None = None) -> dict[str, object]:
    """Each comparison in `parts` over `rounds` interleaved rounds (this machine's load drifts between seconds; one
    round can mislead); `servers` (name -> pid) are the processes whose CPU the processor's rounds cost too."""
    results: dict[str, object] = {"load_average_at_start": os.getloadavg()[0], "rounds": rounds}
    if "producer" in parts:
        results["producer"] = interleaved(lambda: bare_send_rate(kafka, 6),
                                          lambda _: app_send_rate(kafka, launcher, 6), rounds)
        results["producer_fed_by_one_loadgen"] = loadgen_rate(kafka, launcher, 8)
    if "processor" in parts:
        count, stream, costs = 120_000, Stream.create(kafka), CpuCosts(servers or {})
        fill(kafka, stream.topic, count, stream.producer_id)
        results["processor"] = interleaved(
            lambda: bare_consume_rate(stream, kafka, influx, count),
            lambda n: app_process_rate(replace(stream, group=f"{stream.group}-{n}"), kafka, influx, launcher, count,
                                       costs),
            rounds)
        results["processor_cpu_us_per_reading"] = {"median": costs.medians(), "rounds": costs.rounds}
    if "idle" in parts:
        idle = Stream.create(kafka)
        apps = [launcher.start("producer", idle.producer_env(kafka, lines=3, rate_hz=1)),
                launcher.start("processor", idle.processor_env(kafka, influx))]
        for started in apps:
            started.wait_ready()
        time.sleep(5)
        results["at_1_hz"] = footprint(apps, 30)
    results["load_average_at_end"] = os.getloadavg()[0]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="App vs bare kafka-python throughput, interleaved.")
    parser.add_argument("--rounds", type=int, default=5, help="app runs per comparison (default 5)")
    parser.add_argument("--only", choices=sorted(PARTS), action="append",
                        help="measure only this part (repeatable; default: all of them)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        with running(tansu_server(tmp)) as broker, running(victoria_metrics_server(tmp)) as vm:
            launcher = AppLauncher(tmp)
            try:
                assert broker.proc is not None and vm.proc is not None
                results = measure(Kafka(f"127.0.0.1:{broker.port}"), VictoriaMetrics(vm), launcher, options.rounds,
                                  frozenset(options.only or PARTS),
                                  {"victoria_metrics": vm.proc.pid, "broker": broker.proc.pid})
            finally:
                launcher.stop_all()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
