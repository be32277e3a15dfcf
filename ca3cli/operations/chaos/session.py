"""The drill as one call: open the ways to InfluxDB and Prometheus, run the experiments with the live view on the
Console given (a terminal, or a recording stream), and write the outputs, also when Ctrl-C stops it.

    from ca3cli.operations.chaos.session import drill
    finished = drill(kubectl, settings, select([]), console, secrets_folder=secrets.folder_for(config))
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from ca3cli.core import registry, topology
from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.core.kubeobjects import ConfigMap, Secret
from ca3cli.core.settings import Settings
from ca3cli.edges import kube, kuberead, secrets
from ca3cli.edges.kube import Kubectl, secret_value
from ca3cli.edges.portforward import Reforward, TlsTarget
from ca3cli.operations import deployed as deployment
from ca3cli.operations import services
from ca3cli.operations.chaos import catalogue, observe, outputs, preconditions, toolkit
from ca3cli.operations.chaos.data import ClusterData, Data
from ca3cli.operations.chaos.influx import InfluxReader, readings_query
from ca3cli.operations.chaos.model import Drill, Experiment
from ca3cli.operations.chaos.operator import Operator, Pace
from ca3cli.operations.chaos.recovery import Result
from ca3cli.operations.chaos.runner import Interrupted, Runner, Timing
from ca3cli.operations.chaos.watch import PodWatch
from ca3cli.operations.validate.probe import CA_KEY, CA_NAME

TOKEN = "influxdb_admin_token"  # the generated secret (ca3cli/edges/secrets.py) that reads every bucket
MILESTONE = 9  # the seed's resilience milestone: every experiment has its tier there


@dataclass(frozen=True)
class Finished:
    drill: Drill
    results: list[Result]
    files: list[Path]

    @property
    def passed(self) -> bool:
        return all(r.passed or r.outcome == "skipped" for r in self.results)


def _ca_pem(kubectl: Kubectl, milestone: int) -> str:
    """Our CA certificate from its ConfigMap (or a Secret of that name); its absence is a sentence with the fix."""
    try:
        try:
            return kuberead.one(kubectl, ConfigMap, "configmap", CA_NAME, timeout=20)["data"][CA_KEY]
        except KeyError:
            return secret_value(kuberead.one(kubectl, Secret, "secret", CA_NAME, timeout=20), CA_KEY)
    except KubectlError as exc:
        raise Ca3Error(f"InfluxDB speaks TLS at milestone {milestone} but its CA ({CA_NAME}) could not be read "
                       f"({kube.reason(exc.stderr or exc.stdout)}); run `ca3 certs` and `ca3 deploy -m {milestone}`."
                       ) from None


def cluster_data(kubectl: Kubectl, settings: Settings, secrets_folder: Path, milestone: int) -> ClusterData:
    """InfluxDB (with its admin token from .ca3/secrets, over TLS when milestone 7 turned it on) and Prometheus
    (from milestone 2), as the deployed milestone renders their Services."""
    token = secrets.load(secrets_folder)[TOKEN]
    https = registry.features(settings, milestone)["tls_influxdb"]
    names = topology.of_milestone(settings, milestone)
    influxdb = names.service(services.INFLUXDB)
    server = f"{influxdb.name}.{settings.namespace}.svc"
    tls = functools.cache(lambda: TlsTarget(_ca_pem(kubectl, milestone), server) if https else None)
    influx_forward = Reforward(kubectl, influxdb.target, influxdb.port, scheme="https" if https else "http")
    reader = InfluxReader(influx_forward.base, settings.influxdb.org, settings.influxdb.bucket, token, tls)
    prometheus = (Reforward(kubectl, *services.target(names, services.PROMETHEUS))
                  if names.has(services.PROMETHEUS) else None)
    return ClusterData(reader, influx_forward, prometheus)


def deployed(kubectl: Kubectl, settings: Settings) -> int:
    """The milestone on the cluster; a sentence when nothing is deployed there."""
    found = deployment.namespace(kubectl, settings.namespace)
    if found is None:
        raise Ca3Error(f"Namespace {settings.namespace} does not exist, so there is no pipeline to drill; deploy one "
                       f"with `ca3 deploy -m {MILESTONE}` (or any milestone) and run `ca3 chaos` again.")
    return deployment.recorded(found) or registry.HIGHEST


@dataclass(frozen=True)
class ExportTarget:
    """What a Chaos Toolkit export is rendered for: the milestone, and whether the cluster enforces NetworkPolicies
    (None: not asked)."""

    milestone: int
    enforced: bool | None


def export_target(kubectl: Kubectl, settings: Settings) -> ExportTarget:
    """The milestone deployed, and whether its cluster's network plugin enforces NetworkPolicies."""
    enforced = not preconditions.policy_reason(observe.system_daemonsets(kubectl))
    return ExportTarget(deployed(kubectl, settings), enforced)


def toolkit_files(settings: Settings, chosen: Sequence[Experiment], target: ExportTarget
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(file name -> Chaos Toolkit experiment, experiment -> why it is not exported) for the target's milestone."""
    names = topology.of_milestone(settings, target.milestone)
    here, absent = catalogue.at_milestone(chosen, names, target.milestone)
    files, left_out = toolkit.export([e for e in here if e.name not in absent], settings.namespace, names,
                                     target.milestone, target.enforced)
    return files, {**absent, **left_out}


def drill(kubectl: Kubectl, settings: Settings, experiments: Sequence[Experiment], console: Console, *,
          secrets_folder: Path, out: Path = outputs.FOLDER, timing: Timing = Timing(),
          data: Data | None = None, milestone: int | None = None, watch_pods: bool = True,
          pace: Pace = Pace()) -> Finished:
    """Run `experiments` on the milestone deployed (or `milestone`) and write outputs/; those whose tier that
    milestone lacks are skipped saying which milestone adds it. Every command the operator runs, and kubectl's
    answer, goes to `console` at `pace`. Ctrl-C raises runner.Interrupted after the outputs of what ran are written
    (its `files`). With `watch_pods` the pods are followed through `kubectl get pods --watch` (recovery timed by its
    events), polled while it is not in step."""
    milestone = milestone or deployed(kubectl, settings)
    names = topology.of_milestone(settings, milestone)
    chosen, absent = catalogue.at_milestone(experiments, names, milestone)
    source = data or cluster_data(kubectl, settings, secrets_folder, milestone)
    bucket = settings.influxdb.bucket
    operator = Operator(kubectl, console, pace, source,
                        query=lambda start, stop: readings_query(bucket, start, stop))
    runner = Runner(kubectl, source, console, settings.namespace, timing, catalogue.cast(names), absent, operator)
    if watch_pods:
        runner.pods_watch = PodWatch(kubectl, runner.elapsed)
        runner.pods_watch.start()
    try:
        result = runner.run_all(chosen)
    except Interrupted as stopped:
        stopped.files = outputs.save(out, stopped.drill)[1]
        raise
    finally:
        if runner.pods_watch is not None:
            runner.pods_watch.stop()
        if isinstance(source, ClusterData):
            source.close()
    results, files = outputs.save(out, result)
    return Finished(result, results, files)
