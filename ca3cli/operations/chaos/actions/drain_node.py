"""Drain the node of the processor's pods (only with more than one node), then uncordon it; the uncordon is
registered before the drain, so a drain that fails halfway or is interrupted does not leave the node cordoned.

Not exported to Chaos Toolkit: its node is known only at run time, and chaostoolkit-kubernetes' uncordon needs a
name or a label selector, which could uncordon nodes an operator cordoned."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from ca3cli.operations.chaos import observe, preconditions
from ca3cli.operations.chaos.actions.base import Plan, Toolkit, Victim, kubectl_line
from ca3cli.operations.chaos.inject import Undo
from ca3cli.operations.chaos.model import Cast, Experiment, Fault, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

DRAIN_TIMEOUT_S = 120


class DrainNode:
    kind = "drain-node"

    def experiment(self, names: Topology, component: str) -> Experiment:
        return Experiment("drain-node", self.kind, "", f"drain the {names.app(component)}'s node (when there is more "
                          "than one), then uncordon it", component=component)

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        pick = kubectl_line(namespace, "get", "pods", "-l", f"app={names.app(exp.component)}", "-o",
                            "jsonpath={.items[0].spec.nodeName}")
        drain = f'kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout={DRAIN_TIMEOUT_S}s'
        return Plan((f"node=$({pick})",), (drain,), 'kubectl uncordon "$node", also when the drain fails or is '
                    "interrupted")

    def undo_text(self, exp: Experiment) -> str:
        return "uncordon the node, also when the drain fails or is interrupted"

    def precondition(self, kubectl: Kubectl, exp: Experiment, sample: Sample, cast: Cast) -> str:
        return preconditions.node_reason(observe.nodes(kubectl), sample.node_of(cast.drained))

    def aim(self, exp: Experiment, sample: Sample, cast: Cast) -> Victim:
        return Victim(sample.node_of(cast.drained))

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        node = fault.victim
        undo.add(f"uncordon node {node}", lambda: uncordon(kubectl, node),
                 f"`{shlex.join(kubectl.command('uncordon', node, namespaced=False))}`")
        result = kubectl.run("drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                             f"--timeout={DRAIN_TIMEOUT_S}s", namespaced=False, mutating=True,
                             timeout=DRAIN_TIMEOUT_S + 30)
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "drained"

    def recovery_start(self, fault: Fault) -> float | None:
        return fault.injected_at

    def recovered(self, sample: Sample, run: Run) -> bool:
        """Every tier back to the Ready pods it had before."""
        return all(sum(p.ready for p in sample.tier(t)) >= n for t, n in run.fault.ready_before.items())

    def verify(self, kubectl: Kubectl, exp: Experiment, run: Run, progress: Callable[[str], None]) -> str:
        return ""

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit | None:
        return None


def uncordon(kubectl: Kubectl, node: str) -> None:
    """Idempotent: kubectl uncordons a node that is not cordoned without error, so a retry is harmless."""
    kubectl.run("uncordon", node, namespaced=False, mutating=True, timeout=30)


ACTION = DrainNode()
