"""The drill's tiers follow the rendered manifests: another `app` label or main container in a template gives
experiments, selectors and the watched tiers that name it, and the shipped templates give the names users know."""

from __future__ import annotations

import copy

from ca3cli.core import topology
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.operations.chaos import actions, catalogue, toolkit

NAMESPACE = "conveyor-pipeline"


def relabelled(app: str, container: str) -> Topology:
    """The highest milestone with the processor's pods labelled `app` and its first container named `container`."""
    shipped = topology.of_milestone(Settings(), 9)
    objects = {c: copy.deepcopy(shipped.objects(c)) for c in shipped.components}
    pod = next(d for d in objects["processor"] if d["kind"] == "Deployment")["spec"]["template"]
    pod["metadata"]["labels"]["app"] = app
    pod["spec"]["containers"][0]["name"] = container
    return Topology(objects)


def test_the_shipped_templates_give_the_experiment_names_users_know() -> None:
    names = [e.name for e in catalogue.experiments(topology.of_milestone(Settings(), 9))]
    assert {"delete-pod-loki", "kill-main-processor", "cut-off-kafka", "drain-node"} <= set(names)
    assert catalogue.cast().tiers == ("producer", "processor", "kafka", "influxdb", "grafana", "prometheus", "loki")


def test_a_relabelled_tier_renames_its_experiments_and_what_the_drill_watches() -> None:
    names = relabelled("stream-worker", "worker")
    found = {e.name: e for e in catalogue.experiments(names)}
    assert "delete-pod-processor" not in found and found["delete-pod-stream-worker"].tier == "stream-worker"
    assert found["kill-main-stream-worker"].container == "worker"
    cast = catalogue.cast(names)
    kill = found["kill-main-stream-worker"]
    assert "-c worker" in actions.of(kill).plan(kill, NAMESPACE, names).does[0]
    assert (cast.drained, cast.tiers[1], cast.data_path[1]) == ("stream-worker",) * 3
    exported, _ = toolkit.export([found["delete-pod-stream-worker"]], NAMESPACE, names, 9)
    doc = exported["delete-pod-stream-worker.json"]
    assert doc["method"][0]["provider"]["arguments"]["label_selector"] == "app=stream-worker"
    assert "stream-worker-pods-ready" in [p["name"] for p in doc["steady-state-hypothesis"]["probes"]]
