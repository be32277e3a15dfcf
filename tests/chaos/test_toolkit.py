"""`ca3 chaos --export chaostoolkit`: every file passes Chaos Toolkit's own validation (which imports
chaostoolkit-kubernetes and checks each activity's function and arguments), and a cut-off restores exactly the
policies ca3 renders for the tier."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from chaoslib.exceptions import InvalidActivity
from chaoslib.experiment import ensure_experiment_is_valid

from ca3cli.core import render, template_values, topology
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.operations.chaos import toolkit
from ca3cli.operations.chaos.catalogue import experiments, select
from tests.cluster.conftest import Project, Run

NAMESPACE = "conveyor-pipeline"


def documents() -> list[dict[str, Any]]:
    return [d for m in render.render(Settings(), template_values.placeholders(), 9) for d in m.documents]


def names() -> Topology:
    return topology.of_milestone(Settings(), 9)


@pytest.mark.parametrize("name", [e.name for e in experiments() if e.action != "drain-node"])
def test_each_exported_experiment_is_valid_for_chaos_toolkit(name: str) -> None:
    exported = toolkit.export(select([name]), NAMESPACE, names())
    ensure_experiment_is_valid(exported[f"{name}.json"])


def test_the_validation_refuses_an_argument_the_function_lacks() -> None:
    doc = toolkit.export(select(["delete-pod-kafka"]), NAMESPACE, names())["delete-pod-kafka.json"]
    doc["method"][0]["provider"]["arguments"]["grace"] = 0
    with pytest.raises(InvalidActivity, match="grace"):
        ensure_experiment_is_valid(doc)


def test_a_cut_off_removes_and_restores_the_rendered_policies_and_rolls_back_with_them() -> None:
    doc = toolkit.export(select(["cut-off-processor"]), NAMESPACE, names())["cut-off-processor.json"]
    funcs = [(a["provider"]["func"], a["name"]) for a in doc["method"]]
    assert funcs == [("remove_network_policy", "remove-processor"), ("remove_network_policy",
                     "remove-processor-metrics"), ("create_network_policy", "restore-processor"),
                     ("create_network_policy", "restore-processor-metrics")]
    assert doc["method"][1]["pauses"] == {"after": 20.0} and doc["method"][-1]["pauses"] == {"after": 30.0}
    assert [r["name"] for r in doc["rollbacks"]] == ["restore-processor", "restore-processor-metrics"]
    restored = doc["rollbacks"][0]["provider"]["arguments"]["spec"]
    rendered = next(d for d in documents() if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "processor")
    assert restored["spec"] == rendered["spec"]


def test_a_drain_is_not_exported() -> None:
    assert toolkit.export(select(["drain-node"]), NAMESPACE, names()) == {}


def test_the_command_writes_one_file_per_experiment_without_a_cluster(project: Project,
                                                                     ca3: Callable[..., Run]) -> None:
    run = ca3("chaos", "--export", "chaostoolkit", "-e", "kill-main-producer", "-e", "drain-node")
    assert run.code == 0, run.text
    written = sorted(p.name for p in (project.path / "outputs" / "chaostoolkit").iterdir())
    assert written == ["kill-main-producer.json"]
    doc = json.loads((project.path / "outputs" / "chaostoolkit" / "kill-main-producer.json").read_text())
    assert doc["method"][0]["provider"]["arguments"]["cmd"] == ["python", "-c",
                                                                "import os, signal; os.kill(1, signal.SIGTERM)"]
    assert ca3("chaos", "--export", "litmus").code == 2
