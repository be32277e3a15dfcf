"""Why an experiment cannot run on this cluster right now (skipped with the reason), as sentences from what kubectl
showed: the tier's pods, the network plugin (as `ca3 validate` tells one that enforces NetworkPolicies), the nodes.
Pure; each action's `precondition` picks the ones it needs."""

from __future__ import annotations

from ca3cli.operations.chaos.inject import victim
from ca3cli.operations.chaos.model import Experiment, Sample
from ca3cli.operations.validate.network import ENFORCING_PLUGINS


def tier_reason(exp: Experiment, sample: Sample) -> str:
    if exp.tier and victim(sample.pods, exp.tier) is None:
        return f"No Ready {exp.tier} pod to fail: deploy the milestone that adds it (`ca3 deploy`) and run it again."
    return ""


def policy_reason(daemonsets: list[str]) -> str:
    if any(name.startswith(ENFORCING_PLUGINS) for name in daemonsets):
        return ""
    seen = ", ".join(daemonsets) or "none in kube-system"
    return (f"This cluster's network plugin ({seen}) does not enforce NetworkPolicies, so removing them would cut "
            "nothing off; run the drill on a cluster with Calico or Cilium to include it.")


def node_reason(nodes: list[str], node: str) -> str:
    if len(nodes) < 2:
        return (f"The cluster has one node ({', '.join(nodes) or 'none listed'}); draining it would stop the whole "
                "pipeline, so the drain runs only with more than one.")
    if not node:
        return "No processor pod is scheduled on a node, so there is no node to drain."
    return ""
