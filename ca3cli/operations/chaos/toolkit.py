"""`ca3 chaos --export chaostoolkit`: the experiments as Chaos Toolkit experiment files (steady-state hypothesis,
method, rollbacks) using chaostoolkit-kubernetes' activities, for one milestone. Pure: JSON-ready dicts from the
experiments and the rendered manifests (the policies a cut-off removes and restores are the ones ca3 renders).

What each file means when `chaos run` passes it:
- the hypothesis holds every data-path tier's pods Ready and the action's evidence that its fault happened (the
  deleted pod's `Killing` event, the restart count above the one read at the start, the cut-off path's failures in
  the logs of the client across the cut, a Kafka broker's claim created again and the broker a voter once more).
  Evidence is false before the fault, so the hypothesis is checked after the method only
  (`runtime.hypothesis.strategy: after-method-only`); the method's last pause is the seed's 30 s, so the check reads
  "the fault happened and every tier is Ready again 30 s later".
- rollbacks run also when the run is interrupted or fails (`runtime.rollbacks.strategy: always`, which chaostoolkit
  1.19 reads from the file; `chaos run --rollback-strategy always` says the same on the command line), and they are
  their own objects: no pause of the method is played after them.
It cannot count readings; `ca3 chaos` does.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ca3cli.operations.chaos import actions
from ca3cli.operations.chaos.catalogue import cast
from ca3cli.operations.chaos.model import Experiment
from ca3cli.operations.chaos.recovery import RECOVERY_TARGET_S

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology

UNENFORCED_TAG = "needs-enforced-networkpolicies"


def _ready(tier: str, namespace: str) -> dict[str, Any]:
    return {"type": "probe", "name": f"{tier}-pods-ready", "tolerance": True, "provider": {
        "type": "python", "module": "chaosk8s.pod.probes", "func": "pods_in_conditions",
        "arguments": {"label_selector": f"app={tier}", "conditions": [{"type": "Ready", "status": "True"}],
                      "ns": namespace}}}


def experiment(exp: Experiment, namespace: str, names: Topology, milestone: int,
               enforced: bool | None = None) -> dict[str, Any] | str:
    """One Chaos Toolkit experiment for milestone `milestone` (whose manifests `names` reads), or why it is left
    out. `enforced`: whether the cluster enforces NetworkPolicies (None: not known; an action that needs them is
    then tagged and says so)."""
    part = actions.of(exp).toolkit(exp, namespace, names)
    if part is None:
        return "its target is known only at run time (see docs/chaos.md)"
    if isinstance(part, str):
        return part
    if part.needs_enforced_policies and enforced is False:
        return "this cluster does not enforce NetworkPolicies, so removing them would cut nothing off"
    method = copy.deepcopy(part.method)
    method[-1]["pauses"] = {**method[-1].get("pauses", {}), "after": RECOVERY_TARGET_S}
    tiers = list(dict.fromkeys([*cast(names).data_path, *([exp.tier] if exp.tier else [])]))
    description = f"{exp.summary}. Rendered for milestone {milestone}."
    tags = ["kubernetes", "ca3", exp.action, f"milestone-{milestone}"]
    if part.needs_enforced_policies and not enforced:
        description += (" Removing NetworkPolicies cuts nothing off where the network plugin does not enforce them "
                        "(Calico and Cilium do; kindnet does not): run it only on such a cluster.")
        tags.append(UNENFORCED_TAG)
    doc: dict[str, Any] = {
        "version": "1.0.0", "title": f"ca3: {exp.name}", "description": description, "tags": tags,
        "extensions": [{"name": "ca3", "milestone": milestone, "networkpolicies_enforced": enforced}],
        "runtime": {"hypothesis": {"strategy": "after-method-only"}, "rollbacks": {"strategy": "always"}},
        "steady-state-hypothesis": {
            "title": "the fault happened, and every data-path tier has its pods Ready again",
            "probes": [_ready(t, namespace) for t in tiers] + copy.deepcopy(part.evidence)},
        "method": method, "rollbacks": copy.deepcopy(part.rollbacks)}
    if part.configuration:
        doc["configuration"] = copy.deepcopy(part.configuration)
    return doc


def export(experiments: Sequence[Experiment], namespace: str, names: Topology, milestone: int,
           enforced: bool | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(file name -> experiment, experiment -> why it is left out) for milestone `milestone`."""
    files: dict[str, dict[str, Any]] = {}
    left_out: dict[str, str] = {}
    for exp in experiments:
        doc = experiment(exp, namespace, names, milestone, enforced)
        if isinstance(doc, str):
            left_out[exp.name] = doc
        else:
            files[f"{exp.name}.json"] = doc
    return files, left_out
