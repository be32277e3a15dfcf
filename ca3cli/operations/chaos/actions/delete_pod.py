"""Delete one pod of a tier; its Deployment or StatefulSet must replace it. Nothing to undo.

In Chaos Toolkit the evidence that it happened is the kubelet's `Killing` event for the pod that was first at the
start (its uid read by a configuration probe): without the deletion there is no such event, and without the uid the
field selector matches nothing, so the hypothesis cannot pass by accident."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ca3cli.core.errors import Ca3Error
from ca3cli.operations.chaos.actions.base import (
    PICKED,
    Plan,
    PodAction,
    Toolkit,
    activity,
    first_ready_pod,
    kubectl_line,
    process_probe,
    tier_back,
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

    def experiment(self, names: Topology, component: str) -> Experiment:
        tier = names.app(component)
        return Experiment(f"delete-pod-{tier}", self.kind, tier, f"delete one {tier} pod; its controller must "
                          "replace it", component=component)

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        return Plan((first_ready_pod(namespace, exp.tier),),
                    (kubectl_line(namespace, "delete", "pod", PICKED, "--wait=false"),), self.undo_text(exp))

    def undo_text(self, exp: Experiment) -> str:
        return UNDO

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        if not fault.victim:
            raise Ca3Error(f"No Ready {exp.tier} pod to delete.")
        return kubectl.run("delete", "pod", fault.victim, "--wait=false", mutating=True, timeout=30).stdout.strip()

    def recovered(self, sample: Sample, run: Run) -> bool:
        return tier_back(sample, run, count_victim=False)

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit:
        selector = {"label_selector": f"app={exp.tier}", "qty": 1, "order": "alphabetic", "ns": namespace}
        first = process_probe("uid of the first pod at the start", namespace, "get", "pods", "-l", f"app={exp.tier}",
                              "-o", "jsonpath={.items[0].metadata.uid}")
        killed = process_probe(f"the kubelet stopped the deleted {exp.tier} pod", namespace, "get", "events",
                               f"--field-selector=involvedObject.uid=${{{VICTIM_UID}}},reason=Killing", "-o", "name")
        killed["tolerance"] = {"type": "regex", "pattern": r"\S", "target": "stdout"}
        return Toolkit([activity("action", exp.name, "chaosk8s.pod.actions", "terminate_pods", selector)],
                       evidence=[killed], configuration={VICTIM_UID: first})


ACTION = DeletePod()
