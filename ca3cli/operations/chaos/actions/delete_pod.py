"""Delete one pod of a tier; its Deployment or StatefulSet must replace it. Nothing to undo.

In Chaos Toolkit the evidence that it happened is the kubelet's `Killing` event for the pod that was first at the
start (its uid read by a configuration probe): without the deletion there is no such event, and without the uid the
field selector matches nothing, so the hypothesis cannot pass by accident."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ca3cli.operations.chaos.actions.base import (
    PICKED,
    PodAction,
    Toolkit,
    activity,
    process_probe,
    tier_back,
    tier_selector,
)
from ca3cli.operations.chaos.inject import Undo
from ca3cli.operations.chaos.model import Experiment, Fault, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

UNDO = "nothing to undo: its Deployment or StatefulSet creates the replacement"
VICTIM_UID = "ca3_victim_uid"  # the dynamic configuration key holding the victim's uid


class DeletePod(PodAction):
    kind = "delete-pod"
    undo = UNDO
    verb = "delete"

    def experiment(self, names: Topology, component: str) -> Experiment:
        tier = names.app(component)
        return Experiment(f"delete-pod-{tier}", self.kind, tier, f"delete one {tier} pod; its controller must "
                          "replace it", component=component)

    def fault_words(self, exp: Experiment) -> tuple[str, ...]:
        return ("delete", "pod", PICKED, "--wait=false")

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        pod = self.target(exp, fault)
        return kubectl.run("delete", "pod", pod, "--wait=false", mutating=True, timeout=30).stdout.strip()

    def recovered(self, sample: Sample, run: Run) -> bool:
        return tier_back(sample, run, count_victim=False)

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit | str:
        first = process_probe("uid of the first pod at the start", namespace, "get", "pods", "-l", f"app={exp.tier}",
                              "-o", "jsonpath={.items[0].metadata.uid}")
        killed = process_probe(f"the kubelet stopped the deleted {exp.tier} pod", namespace, "get", "events",
                               f"--field-selector=involvedObject.uid=${{{VICTIM_UID}}},reason=Killing", "-o", "name")
        killed["tolerance"] = {"type": "regex", "pattern": r"\S", "target": "stdout"}
        delete = activity("action", exp.name, "chaosk8s.pod.actions", "terminate_pods", tier_selector(exp, namespace))
        return Toolkit([delete],
                       evidence=[killed], configuration={VICTIM_UID: first})


ACTION = DeletePod()
