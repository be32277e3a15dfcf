"""A drill against the real apps on real local servers: the processor killed (SIGKILL) and restarted, the producer
stopped and replaced by a new one (a pod delete: a new name numbers from 0), and the Tansu broker restarted, all
while data flows. Recovery is measured by the drill's analysis on samples of the processes, and its loss and
duplicate counts (from the sequence numbers VictoriaMetrics exported) must agree with the database's own count
through its query API and with what each producer says it delivered. Tansu keeps topics in memory, so readings
acknowledged but not yet consumed when it restarts are really lost: the counts must see exactly those."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ca3cli.operations.chaos import loss, recovery
from ca3cli.operations.chaos.model import Experiment, Fault, Pod, Run, Sample
from tests.apps.helpers import stopped_counts
from tests.chaos import victoria
from tests.fixtures.patience import HANG_GUARD_S
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import (
    Kafka,
    ServerProcess,
    VictoriaMetrics,
    port_open,
    running,
    tansu_server,
    victoria_metrics_server,
)

pytestmark = pytest.mark.integration
RATE_HZ, LINES = 10.0, 2  # 20 readings a second
STEADY_S = 4.0
# Its own VictoriaMetrics, whose queries see samples at once (by default the last 30 s are left out of queries, as
# still arriving) and are not cached, so the database's count covers what its export returned.
VM_FLAGS = ("-search.latencyOffset=0s", "-search.disableCache")
RECOVER_TIMEOUT_S = HANG_GUARD_S  # a hang guard: the drill measures recovery time, never asserts it


@dataclass
class Pipeline:
    """The processes of the drill, named like pods: a replacement gets the next number."""

    launcher: AppLauncher
    broker: ServerProcess
    kafka: Kafka
    vm: VictoriaMetrics
    stream: Stream
    producers: list[tuple[str, AppProcess]] = field(default_factory=list)
    processors: list[tuple[str, AppProcess]] = field(default_factory=list)
    brokers: int = 1
    t0: float = field(default_factory=time.time)

    def start_producer(self) -> None:
        name = f"{self.stream.producer_id}-{len(self.producers) + 1}"
        env = self.stream.producer_env(self.kafka, lines=LINES, rate_hz=RATE_HZ) | {"PRODUCER_ID": name}
        self.producers.append((name, self.launcher.start("producer", env)))

    def start_processor(self) -> None:
        name = f"processor-{len(self.processors) + 1}"
        self.processors.append((name, self.launcher.start("processor",
                                                          self.stream.processor_env(self.kafka, self.vm))))

    def sample(self) -> Sample:
        """The processes as pods (Ready: /readyz answers 200; the broker: its port accepts) and the newest reading."""
        pods = [Pod(name, tier, app.proc.poll() is None and app.get("/readyz") == 200, 0, "local", "Running")
                for tier, apps in (("producer", self.producers[-1:]), ("processor", self.processors[-1:]))
                for name, app in apps]
        pods.append(Pod(f"tansu-{self.brokers}", "kafka", port_open(self.broker.port), 0, "local", "Running"))
        newest = victoria.newest(self.vm, self.stream.producer_id)
        return Sample(round(time.time() - self.t0, 2), "", tuple(pods),
                      None if newest is None else newest - self.t0, None)


def measure(pipe: Pipeline, exp: Experiment, victim: str, fault: Callable[[], None]) -> Run:
    """Steady state, the fault, then samples until the tier is back and a reading made after the fault is stored."""
    samples = [pipe.sample()]
    deadline = time.monotonic() + RECOVER_TIMEOUT_S
    while recovery.steady(samples[-1], {"producer": 1, "processor": 1, "kafka": 1}) and time.monotonic() < deadline:
        time.sleep(0.5)
        samples = [pipe.sample()]
    injected = round(time.time() - pipe.t0, 2)
    fault()
    run = Run(exp, "completed", "", Fault(victim, ready_before={exp.tier: 1}, injected_at=injected), tuple(samples))
    while time.monotonic() < deadline:
        time.sleep(0.5)
        samples.append(pipe.sample())
        run = Run(exp, "completed", "", run.fault, tuple(samples))
        if recovery.ready_at(run) is not None and recovery.flowing_at(run) is not None:
            break
    return run


def kill_processor(pipe: Pipeline) -> None:
    pipe.processors[-1][1].kill()  # SIGKILL: no commit of what it wrote last, so it is replayed
    pipe.start_processor()


def replace_producer(pipe: Pipeline) -> None:
    assert pipe.producers[-1][1].terminate() == 0  # what the kubelet does to a deleted pod
    pipe.start_producer()


def restart_broker(pipe: Pipeline) -> None:
    pipe.broker.stop()
    time.sleep(2)
    pipe.broker.start()
    pipe.brokers += 1
    pipe.kafka.create_topics(pipe.stream.topic, pipe.stream.dlq_topic)  # as the topic Job would


def test_a_process_drill_counts_loss_and_duplicates_as_the_database_does(tmp_path: Path,
                                                                        launch_apps: AppLauncher) -> None:
    with running(tansu_server(tmp_path)) as broker, running(victoria_metrics_server(tmp_path, flags=VM_FLAGS)) as vm:
        victoria_metrics = VictoriaMetrics(vm)
        kafka = Kafka(f"127.0.0.1:{broker.port}")
        pipe = Pipeline(launch_apps, broker, kafka, victoria_metrics, Stream.create(kafka))
        pipe.start_processor()
        pipe.start_producer()
        for _, app in (*pipe.producers, *pipe.processors):
            app.wait_ready()
        time.sleep(STEADY_S)
        runs = [measure(pipe, Experiment("kill-processor", "delete-pod", "processor", "SIGKILL, new process"),
                        "processor-1", lambda: kill_processor(pipe)),
                measure(pipe, Experiment("replace-producer", "delete-pod", "producer", "SIGTERM, new producer"),
                        pipe.producers[-1][0], lambda: replace_producer(pipe)),
                measure(pipe, Experiment("restart-broker", "delete-pod", "kafka", "stop and start Tansu"),
                        "tansu-1", lambda: restart_broker(pipe))]
        time.sleep(STEADY_S)
        last_name, last = pipe.producers[-1]
        assert last.terminate() in (0, 1), last.log_tail()
        delivered = {name: stopped_counts(app)[0] for name, app in pipe.producers}
        deadline = time.monotonic() + HANG_GUARD_S
        while time.monotonic() < deadline:  # the last producer's final readings reach the database
            stored = victoria.readings(victoria_metrics, pipe.stream.producer_id)
            if max((r.seq for r in stored if r.producer == last_name), default=-1) >= delivered[last_name] - 1:
                break
            time.sleep(1)
        window_s = int(time.time() - pipe.t0) + 5
        database = victoria.database_count(victoria_metrics, pipe.stream.producer_id, window_s)

    for run in runs:
        result = recovery.analyse(run)
        assert result.ready_s is not None and result.flowing_s is not None, (run.experiment.name, run.samples[-3:])
    fresh = set(delivered)  # every producer started within the drill
    drill = loss.count(stored, fresh)
    seen = f"drill {drill}, database {database}, delivered {delivered}"
    assert (drill.stored, drill.distinct) == (sum(database.stored.values()), sum(database.distinct.values())), seen
    assert (drill.lost, drill.duplicated) == (database.lost(fresh), database.duplicated), seen
    per_producer = {name: loss.count([r for r in stored if r.producer == name], fresh) for name in delivered}
    assert {n: c.distinct + c.lost for n, c in per_producer.items()} == delivered, seen  # each one's own count
    assert per_producer[pipe.producers[0][0]].lost == 0, seen  # only the broker restart can lose readings
