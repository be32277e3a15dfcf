"""Cut a tier off: remove its allow NetworkPolicies for a while (the namespace's default deny then blocks it), then
restore them. NetworkPolicies only ever add allowed traffic, so a new "deny" policy next to the allow ones would
change nothing; the restore is registered before the delete, and runs at once on a failure or Ctrl-C.

It runs only where the cluster enforces policies. In Chaos Toolkit the evidence is a probe of the cut-off path: the
client on the other side of the cut logged that it could not reach the tier while it was cut off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from ca3cli.core.kubeobjects import NetworkPolicy, Pod
from ca3cli.edges import kuberead
from ca3cli.operations.chaos import inject, observe, preconditions
from ca3cli.operations.chaos.actions.base import Plan, PodAction, Toolkit, activity, kubectl_line, tier_back
from ca3cli.operations.chaos.inject import Undo, saved, tier_policies
from ca3cli.operations.chaos.model import Cast, Experiment, Fault, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

HOLD_S = 20.0
WITNESS_MARGIN_S = 70.0  # the cut-off path's logs are read this far beyond the hold (the 30 s pause and more)
# Per cut tier: whose logs show the cut, and the lines they write when it bites (apps/producer/producer/publisher.py,
# apps/processor/processor/pipeline.py).
PATH_WITNESS = {
    "processor": ("processor", r"Kafka is not reachable yet; retrying|Polling Kafka failed; retrying|"
                               r"Writing to InfluxDB failed; retrying"),
    "kafka": ("producer", r"Kafka send failed|Kafka is not reachable; retrying"),
    "influxdb": ("processor", r"Writing to InfluxDB failed; retrying"),
}


class CutOff(PodAction):
    kind = "cut-off"

    def experiment(self, names: Topology, component: str) -> Experiment:
        tier = names.app(component)
        return Experiment(f"cut-off-{tier}", self.kind, tier, f"remove {tier}'s allow NetworkPolicies for "
                          f"{HOLD_S:.0f} s (default deny cuts it off), then restore them", hold_s=HOLD_S,
                          component=component)

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        policies = [p["metadata"]["name"] for p in _policies(names, exp.tier)]
        saving = kubectl_line(namespace, "get", "networkpolicy", *policies, "-o", "yaml")
        return Plan((f"{saving} > saved-networkpolicies.yaml",),
                    (kubectl_line(namespace, "delete", "networkpolicy", *policies, "--wait=false"),),
                    self.undo_text(exp))

    def undo_text(self, exp: Experiment) -> str:
        return (f"the saved policies applied again (kubectl apply --server-side, without the fields the server owns) "
                f"after {exp.hold_s:.0f} s, or at once on a failure or Ctrl-C")

    def precondition(self, kubectl: Kubectl, exp: Experiment, sample: Sample, cast: Cast) -> str:
        return (preconditions.tier_reason(exp, sample)
                or preconditions.policy_reason(observe.system_daemonsets(kubectl)))

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        """Delete the tier's allow policies (saved first; restoring them is registered before the delete)."""
        pods = kuberead.items(kubectl, Pod, "pods", "-l", f"app={exp.tier}", timeout=20)
        labels = (pods[0]["metadata"].get("labels") or {}) if pods else {"app": exp.tier}
        policies = tier_policies(kuberead.items(kubectl, NetworkPolicy, "networkpolicies", timeout=20), labels)
        if not policies:
            return f"no allow policy selects {exp.tier}; nothing cut"
        stream = "".join("---\n" + yaml.safe_dump(saved(p), sort_keys=False) for p in policies)
        names = [p["metadata"]["name"] for p in policies]
        undo.add(f"restore NetworkPolicies {', '.join(names)}", lambda: inject.restore(kubectl, stream),
                 "`ca3 deploy -m N` with the milestone deployed (it applies the NetworkPolicies as rendered)")
        kubectl.run("delete", "networkpolicy", *names, "--wait=false", mutating=True, timeout=30)
        return f"removed NetworkPolicies {', '.join(names)}"

    def recovery_start(self, fault: Fault) -> float | None:
        return fault.lifted_at  # the policies back: what is timed is the tier catching up

    def recovered(self, sample: Sample, run: Run) -> bool:
        return tier_back(sample, run, count_victim=True)

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit | None:
        policies = _policies(names, exp.tier)
        if not policies:
            return None

        def restores() -> list[dict[str, Any]]:
            return [activity("action", f"restore-{p['metadata']['name']}", "chaosk8s.networking.actions",
                             "create_network_policy", {"spec": saved(p), "ns": namespace}) for p in policies]

        removes = [activity("action", f"remove-{p['metadata']['name']}", "chaosk8s.networking.actions",
                            "remove_network_policy", {"name": p["metadata"]["name"], "ns": namespace})
                   for p in policies]
        removes[-1]["pauses"] = {"after": exp.hold_s}
        witness, pattern = PATH_WITNESS[exp.component]
        logs = activity("probe", f"{names.app(witness)} could not reach {exp.tier} while it was cut off",
                        "chaosk8s.pod.probes", "read_pod_logs",
                        {"label_selector": f"app={names.app(witness)}", "ns": namespace,
                         "last": f"{exp.hold_s + WITNESS_MARGIN_S:.0f} seconds ago"})
        logs["tolerance"] = activity("probe", "the cut shows in its logs", "chaosk8s.pod.probes",
                                     "should_be_found_in_logs", {"pattern": pattern, "all_containers": False})
        return Toolkit(removes + restores(), rollbacks=restores(), evidence=[logs], needs_enforced_policies=True)


def _policies(names: Topology, tier: str) -> list[dict[str, Any]]:
    """The rendered allow policies selecting the tier's pods (by their labels as rendered)."""
    labels = next(names.pod_labels(c) for c in names.workload_components() if names.app(c) == tier)
    return tier_policies(names.objects(kind="NetworkPolicy"), labels)


ACTION = CutOff()
