"""`ca3 chaos --export chaostoolkit`: every file passes Chaos Toolkit's own validation (which imports
chaostoolkit-kubernetes and checks each activity's function and arguments); files are rendered for one milestone;
each hypothesis holds evidence that fails when the fault did not happen (checked with chaostoolkit-lib's own
configuration loader, process provider and tolerance check against the stand-in kubectl); rollbacks run on
interruption and carry no pause; cut-offs are left out where policies are not enforced and marked where unknown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from chaoslib.activity import run_activity
from chaoslib.configuration import load_dynamic_configuration
from chaoslib.exceptions import InvalidActivity
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.hypothesis import within_tolerance

from ca3cli.core import render, template_values, topology
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.operations.chaos import toolkit
from ca3cli.operations.chaos.actions import cut_off
from ca3cli.operations.chaos.catalogue import experiments, select
from tests.chaos import answers as a
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture

NAMESPACE = "conveyor-pipeline"
APPS = Path(__file__).resolve().parents[2] / "apps"


def documents(milestone: int) -> list[dict[str, Any]]:
    return [d for m in render.render(Settings(), template_values.placeholders(), milestone) for d in m.documents]


def names(milestone: int = 9) -> Topology:
    return topology.of_milestone(Settings(), milestone)


def one(name: str, milestone: int = 9, enforced: bool | None = True) -> dict[str, Any]:
    files, _ = toolkit.export(select([name]), NAMESPACE, names(milestone), milestone, enforced)
    return files[f"{name}.json"]


@pytest.mark.parametrize("name", [e.name for e in experiments() if e.action not in ("drain-node", "lose-volume")])
def test_each_exported_experiment_is_valid_for_chaos_toolkit(name: str) -> None:
    doc = one(name)
    ensure_experiment_is_valid(doc)
    assert doc["runtime"] == {"hypothesis": {"strategy": "after-method-only"}, "rollbacks": {"strategy": "always"}}


def test_the_validation_refuses_an_argument_the_function_lacks() -> None:
    doc = one("delete-pod-kafka")
    doc["method"][0]["provider"]["arguments"]["grace"] = 0
    with pytest.raises(InvalidActivity, match="grace"):
        ensure_experiment_is_valid(doc)


def test_a_cut_off_removes_and_restores_the_policies_of_its_milestone_and_its_rollbacks_carry_no_pause() -> None:
    for milestone, policies in ((1, ["processor"]), (9, ["processor", "processor-metrics"])):
        doc = one("cut-off-processor", milestone)
        funcs = [(x["provider"]["func"], x["name"]) for x in doc["method"]]
        assert funcs == [*(("remove_network_policy", f"remove-{p}") for p in policies),
                         *(("create_network_policy", f"restore-{p}") for p in policies)]
        assert doc["method"][len(policies) - 1]["pauses"] == {"after": 20.0}
        assert doc["method"][-1]["pauses"] == {"after": 30.0}
        assert [r["name"] for r in doc["rollbacks"]] == [f"restore-{p}" for p in policies]
        assert all("pauses" not in r for r in doc["rollbacks"])
        restored = doc["rollbacks"][0]["provider"]["arguments"]["spec"]
        rendered = next(d for d in documents(milestone)
                        if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "processor")
        assert restored["spec"] == rendered["spec"]
        assert f"milestone-{milestone}" in doc["tags"] and doc["extensions"][0]["milestone"] == milestone
    egress_ports = {p["port"] for rule in one("cut-off-processor", 1)["rollbacks"][0]["provider"]["arguments"]
                    ["spec"]["spec"]["egress"] for p in rule.get("ports", [])}
    assert 9092 in egress_ports and 9093 not in egress_ports  # milestone 1 has no TLS to Kafka


def test_below_milestone_2_there_is_nothing_to_export_for_prometheus_and_the_reason_says_so() -> None:
    files, left_out = toolkit.export(select(["delete-pod-producer", "drain-node"]), NAMESPACE, names(1), 1)
    assert list(files) == ["delete-pod-producer.json"]
    assert "prometheus-pods-ready" not in json.dumps(files)
    assert left_out == {"drain-node": "its target is known only at run time (see docs/chaos.md)"}


def test_cut_offs_are_left_out_where_policies_are_not_enforced_and_marked_where_not_known() -> None:
    chosen = select(["cut-off-kafka"])
    files, left_out = toolkit.export(chosen, NAMESPACE, names(), 9, enforced=False)
    assert files == {} and "does not enforce NetworkPolicies" in left_out["cut-off-kafka"]
    unknown = one("cut-off-kafka", enforced=None)
    assert toolkit.UNENFORCED_TAG in unknown["tags"] and "run it only on such a cluster" in unknown["description"]
    assert toolkit.UNENFORCED_TAG not in one("cut-off-kafka", enforced=True)["tags"]


def _evidence(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["steady-state-hypothesis"]["probes"][-1]


def _judge(doc: dict[str, Any]) -> bool:
    """Chaos Toolkit's own steps: the dynamic configuration, the evidence probe, its tolerance."""
    configuration = load_dynamic_configuration(doc.get("configuration", {}))
    probe = _evidence(doc)
    return bool(within_tolerance(probe["tolerance"], run_activity(probe, configuration, {}), configuration))


def test_a_kill_whose_container_did_not_restart_fails_the_hypothesis(kubectl_stub: KubectlStub) -> None:
    doc = one("kill-main-producer")
    kubectl_stub.on("get", "pods", "-l", "app=producer", "-o",
                    'jsonpath={.items[0].status.containerStatuses[?(@.name=="producer")].restartCount}', stdout="2")
    kubectl_stub.on("get", "pods", "-l", "app=producer", "-o",
                    "jsonpath={.items[0].status.containerStatuses[?(@.restartCount>2)].name}", stdout="", times=1)
    kubectl_stub.on("get", "pods", "-l", "app=producer", "-o",
                    "jsonpath={.items[0].status.containerStatuses[?(@.restartCount>2)].name}", stdout="producer")
    assert not _judge(doc)  # no restart since the start: the filter matches nothing
    assert _judge(doc)  # restarted: the count is above the 2 read at the start
    assert [c.flag("--namespace") for c in kubectl_stub.calls] == [NAMESPACE] * 4


def test_a_kill_whose_start_count_could_not_be_read_cannot_pass(kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("get", "pods", stderr=a.logs_unreachable(), returncode=1)
    doc = one("kill-main-producer")
    assert not _judge(doc)
    asked = kubectl_stub.calls[-1].argv[-1]
    assert "${ca3_restarts_before}" in asked  # not a number: real kubectl's filter refuses it


def test_a_delete_whose_pod_was_not_stopped_fails_the_hypothesis(kubectl_stub: KubectlStub) -> None:
    doc = one("delete-pod-kafka")
    kubectl_stub.on("get", "pods", "-l", "app=kafka", stdout="6f1c2d0e-0000-4000-8000-00000000c4a0")
    selector = "--field-selector=involvedObject.uid=6f1c2d0e-0000-4000-8000-00000000c4a0,reason=Killing"
    kubectl_stub.on("get", "events", selector, stdout="", times=1)
    kubectl_stub.on("get", "events", selector, stdout="event/kafka-0.17c9a8f0e1d2c3b4\n")
    assert not _judge(doc) and _judge(doc)


def test_a_cut_off_passes_only_when_the_client_across_the_cut_logged_it() -> None:
    probe = _evidence(one("cut-off-kafka"))
    assert probe["provider"]["arguments"]["label_selector"] == "app=producer"
    tolerance = probe["tolerance"]

    def judged(logs: dict[str, str]) -> bool:
        return bool(within_tolerance(json.loads(json.dumps(tolerance)), logs))

    assert not judged({"producer-848b9d6d7-gvhjt": '{"message": "Publishing reading. Line: 1 Speed: 1.2 m/s"}'})
    assert judged({"producer-848b9d6d7-gvhjt": '{"message": "Kafka send failed; unacknowledged readings are kept"}'})


# A line the processor writes from a template: the parts of its source that make it.
TEMPLATED = {"Writing to InfluxDB failed; retrying": ('step, errors = "Writing to InfluxDB"',
                                                      'f"{step} failed; retrying in')}


@pytest.mark.parametrize("tier", sorted(cut_off.PATH_WITNESS))
def test_the_cut_off_witness_lines_are_ones_the_apps_write(tier: str) -> None:
    source = "".join(p.read_text() for p in APPS.rglob("*.py"))
    for line in cut_off.PATH_WITNESS[tier][1].split("|"):
        assert all(part in source for part in TEMPLATED.get(line, (line,))), line


def test_the_command_renders_for_a_chosen_milestone_without_a_cluster(project: Project, ca3: Callable[..., Run],
                                                                     kubectl_stub: KubectlStub) -> None:
    run = ca3("chaos", "--export", "chaostoolkit", "-m", "1", "-e", "kill-main-producer", "-e", "drain-node",
              "-e", "delete-pod-prometheus")
    assert run.code == 0, run.text
    assert kubectl_stub.calls == []
    written = sorted(p.name for p in (project.path / "outputs" / "chaostoolkit").iterdir())
    assert written == ["kill-main-producer.json"]
    assert "not exported: delete-pod-prometheus: It needs milestone 2" in run.text
    assert "Rendered for milestone 1. Run one with `chaos run --rollback-strategy always FILE`" in run.text
    doc = json.loads((project.path / "outputs" / "chaostoolkit" / "kill-main-producer.json").read_text())
    assert doc["method"][0]["provider"]["arguments"]["cmd"] == ["python", "-c",
                                                                "import os, signal; os.kill(1, signal.SIGTERM)"]
    assert ca3("chaos", "--export", "litmus").code == 2


def test_the_command_renders_for_the_deployed_milestone_and_leaves_out_unenforced_cut_offs(
        project: Project, ca3: Callable[..., Run], kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("version", stdout=fixture("version.json"))
    kubectl_stub.on("get", "namespace", stdout=a.recorded_namespace(6))
    kubectl_stub.on("get", "daemonsets", stdout=a.system_daemonsets("kindnet", "kube-proxy"))
    run = ca3("chaos", "--export", "chaostoolkit", "-e", "cut-off-kafka", "-e", "delete-pod-kafka")
    assert run.code == 0, run.text
    folder = project.path / "outputs" / "chaostoolkit"
    assert sorted(p.name for p in folder.iterdir()) == ["delete-pod-kafka.json"]
    assert "not exported: cut-off-kafka: this cluster does not enforce NetworkPolicies" in run.text
    assert json.loads((folder / "delete-pod-kafka.json").read_text())["extensions"][0]["milestone"] == 6
