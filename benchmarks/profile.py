"""Where each app's time goes, against the same real servers as benchmarks/apps.py: py-spy samples the running app
(only while a thread holds the GIL: both apps are bound by it) and this prints each part's share of the samples,
the table in benchmarks/README.md. py-spy is a profiler, not a dependency: `pip install py-spy` into the venv.

Run from the repository root: `python -m benchmarks.profile processor` (or `producer`), about a minute.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.apps import fill
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import Kafka, VictoriaMetrics, running, tansu_server, victoria_metrics_server

# A sample counts for the first part one of whose frames it holds (so kafka-python's CRC32C inside poll() is
# counted as the CRC, not as polling); the rest is "other".
PARTS = {
    "processor": [
        ("kafka-python: batch CRC32C", ("crc32c",)),
        ("kafka-python: the rest of poll()", ("KafkaConsumer.poll ",)),
        ("decoding and validating (msgspec)", ("decode (conveyor_common",)),
        ("rolling analytics", ("update_all (processor/analytics",)),
        ("line protocol", ("to_lines (processor",)),
        ("the rest of the batch's preparation", ("prepare (processor",)),
        ("InfluxDB write (influxdb-client, on the writer thread)", ("write (processor/sink",)),
        ("offset commit", ("commit (processor",)),
    ],
    "producer": [
        ("kafka-python: batch CRC32C (sender thread)", ("crc32c",)),
        ("kafka-python: KafkaProducer.send()", ("KafkaProducer.send ",)),
        ("kafka-python: the rest of the sender thread", ("Sender.run ",)),
        ("JSON encoding of the reading (msgspec)", ("encode (conveyor_common",)),
        ("the reading log and its sampler", ("Sampler.allow", "Logger.info")),
        ("simulation step", ("step (producer",)),
        ("collecting acknowledgements", ("collect (producer",)),
        ("publish bookkeeping (sequence, lock, holding the reading)", ("publish_many (producer",)),
    ],
}


def record(app: AppProcess, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling `app` until interrupted, raw (collapsed) stacks to `output`."""
    return subprocess.Popen([spy_path(), "record", "--gil", "--rate", "200", "--format", "raw", "--output",
                             str(output), "--pid", str(app.proc.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def spy_path() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        sys.exit("py-spy is not installed; install it into the venv with: .venv/bin/pip install py-spy")
    return found


def shares(collapsed: str, parts: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, float]]:
    """Each part's share of the samples in py-spy's collapsed output (`frame;frame;... count` per line)."""
    counts: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        part = next((name for name, markers in parts if any(marker in stack for marker in markers)), "other")
        counts[part] += int(count)
    total = sum(counts.values()) or 1
    return [(name, 100 * counts[name] / total) for name, _ in [*parts, ("other", ())]]


def profile(which: str, kafka: Kafka, influx: VictoriaMetrics, launcher: AppLauncher, output: Path) -> float:
    """Run the app as benchmarks/apps.py does, sampled; returns its rate (readings/s) while sampled."""
    stream = Stream.create(kafka)
    if which == "processor":
        count = 60_000
        fill(kafka, stream.topic, count, stream.producer_id)
        app = launcher.start("processor", stream.processor_env(kafka, influx))
        app.wait_status("/healthz", 200)
        while app.metric("processor_messages_consumed_total") == 0:
            time.sleep(0.05)
        spy, start = record(app, output), time.monotonic()
        while app.metric("processor_influxdb_writes_total") < count:
            time.sleep(0.1)
        rate = count / (time.monotonic() - start)
    else:
        app = launcher.start("producer", stream.producer_env(kafka, lines=500, rate_hz=1000))
        app.wait_ready()
        time.sleep(2)
        spy, before, start = record(app, output), app.metric("producer_messages_sent_total"), time.monotonic()
        time.sleep(10)
        rate = (app.metric("producer_messages_sent_total") - before) / (time.monotonic() - start)
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)
    app.terminate()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description="Share of GIL samples per part of one app, with py-spy.")
    parser.add_argument("app", choices=sorted(PARTS))
    parser.add_argument("--samples", type=Path, help="also keep py-spy's collapsed stacks in this file")
    options = parser.parse_args()
    which = options.app
    spy_path()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        with running(tansu_server(tmp)) as broker, running(victoria_metrics_server(tmp)) as vm:
            launcher = AppLauncher(tmp)
            try:
                rate = profile(which, Kafka(f"127.0.0.1:{broker.port}"), VictoriaMetrics(vm), launcher,
                               tmp / "samples.txt")
            finally:
                launcher.stop_all()
            collapsed = (tmp / "samples.txt").read_text()
    if options.samples:
        options.samples.write_text(collapsed)
    print(f"{which}: {rate:.0f} readings/s while sampled (py-spy slows it)")
    for name, share in shares(collapsed, PARTS[which]):
        print(f"{share:5.1f}%  {name}")


if __name__ == "__main__":
    main()
