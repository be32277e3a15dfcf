"""The drill as one call: open the ways to InfluxDB and Prometheus, run the experiments with the live view on the
Console given (a terminal, or a recording stream), and write the outputs, also when Ctrl-C stops it.

    from ca3cli.operations.chaos.session import drill
    finished = drill(kubectl, settings, select([]), console, secrets_folder=secrets.folder_for(config))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ca3cli.core import registry, topology
from ca3cli.core.settings import Settings
from ca3cli.edges import secrets
from ca3cli.edges.kube import Kubectl, secret_value
from ca3cli.edges.portforward import TlsTarget
from ca3cli.operations import services
from ca3cli.operations.chaos import catalogue, outputs
from ca3cli.operations.chaos.data import ClusterData, Data, Reforward
from ca3cli.operations.chaos.influx import InfluxReader, readings_query
from ca3cli.operations.chaos.model import Drill, Experiment
from ca3cli.operations.chaos.operator import Operator, Pace
from ca3cli.operations.chaos.recovery import Result
from ca3cli.operations.chaos.runner import Interrupted, Runner, Timing
from ca3cli.operations.validate.probe import CA_KEY, CA_NAME

TOKEN = "influxdb_admin_token"  # the generated secret (ca3cli/edges/secrets.py) that reads every bucket
MILESTONE = 9  # the drill's milestone: the features of 1..9 (TLS to InfluxDB among them) are in force


@dataclass(frozen=True)
class Finished:
    drill: Drill
    results: list[Result]
    files: list[Path]

    @property
    def passed(self) -> bool:
        return all(r.passed or r.outcome == "skipped" for r in self.results)


def _ca_pem(kubectl: Kubectl) -> str:
    try:
        return kubectl.get_json("get", "configmap", CA_NAME, timeout=20)["data"][CA_KEY]
    except KeyError:
        return secret_value(kubectl.get_json("get", "secret", CA_NAME, timeout=20), CA_KEY)


def cluster_data(kubectl: Kubectl, settings: Settings, secrets_folder: Path, milestone: int = MILESTONE
                 ) -> ClusterData:
    """InfluxDB (with its admin token from .ca3/secrets, over TLS when milestone 7 turned it on) and Prometheus."""
    token = secrets.load(secrets_folder)[TOKEN]
    https = registry.features(settings, milestone)["tls_influxdb"]
    names = topology.of_milestone(settings, milestone)
    influxdb = names.service(services.INFLUXDB)
    tls = TlsTarget(_ca_pem(kubectl), f"{influxdb.name}.{settings.namespace}.svc") if https else None
    influx_forward = Reforward(kubectl, influxdb.target, influxdb.port, scheme="https" if https else "http")
    reader = InfluxReader(influx_forward.base, settings.influxdb.org, settings.influxdb.bucket, token, tls)
    return ClusterData(reader, influx_forward, Reforward(kubectl, *services.target(names, services.PROMETHEUS)))


def drill(kubectl: Kubectl, settings: Settings, experiments: Sequence[Experiment], console: Console, *,
          secrets_folder: Path, out: Path = outputs.FOLDER, timing: Timing = Timing(),
          data: Data | None = None, milestone: int = MILESTONE, pace: Pace = Pace()) -> Finished:
    """Run `experiments` and write outputs/; every command the operator runs, and kubectl's answer, goes to
    `console` at `pace`. Ctrl-C raises runner.Interrupted after the outputs of what ran are written (its `files`)."""
    source = data or cluster_data(kubectl, settings, secrets_folder, milestone)
    names = catalogue.cast(topology.of_milestone(settings, milestone))
    bucket = settings.influxdb.bucket
    operator = Operator(kubectl, console, pace, source,
                        query=lambda start, stop: readings_query(bucket, start, stop))
    runner = Runner(kubectl, source, console, settings.namespace, timing, names, operator)
    try:
        result = runner.run_all(experiments)
    except Interrupted as stopped:
        stopped.files = outputs.save(out, stopped.drill)[1]
        raise
    finally:
        if isinstance(source, ClusterData):
            source.close()
    results, files = outputs.save(out, result)
    return Finished(result, results, files)
