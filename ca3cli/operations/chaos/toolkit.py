"""`ca3 chaos --export chaostoolkit`: the experiments as Chaos Toolkit experiment files (steady-state hypothesis,
method, rollbacks) using chaostoolkit-kubernetes' activities. Pure: JSON-ready dicts from the experiments and the
rendered manifests (the policies a cut-off removes and restores are the ones ca3 renders).

The hypothesis is every data-path tier's pods Ready; Chaos Toolkit checks it before the method and again after it,
and the method's last pause is the seed's 30 s, so "Ready again within 30 s" is what its verdict says. It cannot
count readings; `ca3 chaos` does. A node drain is not exported: its node is known only at run time, and
chaostoolkit-kubernetes' uncordon needs a name or a label selector, which could uncordon nodes an operator cordoned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ca3cli.operations.chaos.catalogue import KILL_MAIN, TIER_COMPONENTS, cast
from ca3cli.operations.chaos.inject import saved, tier_policies
from ca3cli.operations.chaos.model import Experiment
from ca3cli.operations.chaos.recovery import RECOVERY_TARGET_S

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology


def _activity(kind: str, name: str, module: str, func: str, arguments: dict[str, Any],
              pause_after: float = 0) -> dict[str, Any]:
    activity: dict[str, Any] = {"type": kind, "name": name, "provider": {
        "type": "python", "module": module, "func": func, "arguments": arguments}}
    if kind == "probe":
        activity["tolerance"] = True
    if pause_after:
        activity["pauses"] = {"after": pause_after}
    return activity


def _ready(tier: str, namespace: str) -> dict[str, Any]:
    return _activity("probe", f"{tier}-pods-ready", "chaosk8s.pod.probes", "pods_in_conditions",
                     {"label_selector": f"app={tier}", "conditions": [{"type": "Ready", "status": "True"}],
                      "ns": namespace})


def pod_labels(names: Topology, tier: str) -> dict[str, str]:
    """The pod labels of the tier (its pods' `app` label) as the rendered manifests give them."""
    return next(names.pod_labels(c) for c in TIER_COMPONENTS if names.has(c) and names.app(c) == tier)


def _method(exp: Experiment, namespace: str, names: Topology) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    selector = {"label_selector": f"app={exp.tier}", "qty": 1, "order": "alphabetic", "ns": namespace}
    if exp.action == "delete-pod":
        return [_activity("action", exp.name, "chaosk8s.pod.actions", "terminate_pods", selector,
                          RECOVERY_TARGET_S)], []
    if exp.action == "kill-main":
        return [_activity("action", exp.name, "chaosk8s.pod.actions", "exec_in_pods",
                          {"cmd": list(KILL_MAIN), "container_name": exp.container, **selector},
                          RECOVERY_TARGET_S)], []
    policies = tier_policies(names.objects(kind="NetworkPolicy"), pod_labels(names, exp.tier))
    removes = [_activity("action", f"remove-{p['metadata']['name']}", "chaosk8s.networking.actions",
                         "remove_network_policy", {"name": p["metadata"]["name"], "ns": namespace})
               for p in policies]
    if removes:
        removes[-1]["pauses"] = {"after": exp.hold_s}
    restores = [_activity("action", f"restore-{p['metadata']['name']}", "chaosk8s.networking.actions",
                          "create_network_policy", {"spec": saved(p), "ns": namespace}) for p in policies]
    if restores:
        restores[-1]["pauses"] = {"after": RECOVERY_TARGET_S}
    return removes + restores, restores


def experiment(exp: Experiment, namespace: str, names: Topology) -> dict[str, Any] | None:
    """One Chaos Toolkit experiment, or None for a drain (see the module docstring)."""
    if exp.action == "drain-node":
        return None
    method, rollbacks = _method(exp, namespace, names)
    tiers = list(dict.fromkeys([*cast(names).data_path, exp.tier]))
    return {"version": "1.0.0", "title": f"ca3: {exp.name}", "description": exp.summary,
            "tags": ["kubernetes", "ca3", exp.action],
            "steady-state-hypothesis": {"title": "every data-path tier has its pods Ready",
                                        "probes": [_ready(t, namespace) for t in tiers]},
            "method": method, "rollbacks": rollbacks}


def export(experiments: Sequence[Experiment], namespace: str, names: Topology) -> dict[str, dict[str, Any]]:
    """File name -> experiment, for every experiment that can be exported, with the policies and labels of the
    rendered manifests `names` reads."""
    found = {f"{e.name}.json": experiment(e, namespace, names) for e in experiments}
    return {name: doc for name, doc in found.items() if doc is not None}
