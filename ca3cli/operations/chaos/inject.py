"""Edge: inject each kind of fault through kubectl, and undo what it changed (registered before the change is made,
so a failure or Ctrl-C halfway still undoes it). Choosing the victim and cleaning saved objects are pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos.catalogue import KILL_MAIN
from ca3cli.operations.chaos.model import Experiment, Pod
from ca3cli.operations.deploy import APPLY_TIMEOUT_S, FIELD_MANAGER
from ca3cli.operations.validate.network import selects

DRAIN_TIMEOUT_S = 120
# Fields the API server owns; a saved object is applied again without them.
SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields")


@dataclass
class Undo:
    """What to do to leave the cluster as it was: (description, action), done newest first, each once."""

    actions: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def add(self, description: str, action: Callable[[], None]) -> None:
        self.actions.append((description, action))

    def pop_all(self) -> list[tuple[str, Callable[[], None]]]:
        actions, self.actions = list(reversed(self.actions)), []
        return actions


def victim(pods: tuple[Pod, ...], tier: str) -> Pod | None:
    """The pod a fault hits: the tier's first Ready pod by name (the same choice on every run)."""
    return next((p for p in pods if p.app == tier and p.ready), None)


def tier_policies(policies: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The allow policies selecting a pod with `labels`: those with a non-empty pod selector (the namespace-wide
    default deny and DNS policies stay, so without these the pod can reach nothing and nothing can reach it)."""
    return [p for p in policies if (sel := p["spec"].get("podSelector") or {})
            and (sel.get("matchLabels") or sel.get("matchExpressions")) and selects(sel, labels)]


def saved(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as read back, ready to apply again: without the fields the server owns, and without status."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in SERVER_FIELDS}
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": meta, "spec": obj["spec"]}


def delete_pod(kubectl: Kubectl, pod: Pod) -> str:
    return kubectl.run("delete", "pod", pod.name, "--wait=false", mutating=True, timeout=30).stdout.strip()


def kill_main(kubectl: Kubectl, exp: Experiment, pod: Pod) -> str:
    """SIGTERM to PID 1 of the tier's main container. The exec session may end with the container, so its exit
    code is shown, not judged: the restart count tells whether it worked."""
    result = kubectl.run("exec", pod.name, "-c", exp.container, "--", *KILL_MAIN, check=False, mutating=True,
                         timeout=30)
    return f"exit {result.returncode}" + (f": {result.stderr.strip()}" if result.stderr.strip() else "")


def cut_off(kubectl: Kubectl, exp: Experiment, undo: Undo) -> str:
    """Delete the tier's allow policies (saved first; restoring them is registered before the delete)."""
    pods = kubectl.get_json("get", "pods", "-l", f"app={exp.tier}", timeout=20).get("items", [])
    labels = (pods[0]["metadata"].get("labels") or {}) if pods else {"app": exp.tier}
    policies = tier_policies(kubectl.get_json("get", "networkpolicies", timeout=20).get("items", []), labels)
    if not policies:
        return f"no allow policy selects {exp.tier}; nothing cut"
    stream = "".join("---\n" + yaml.safe_dump(saved(p), sort_keys=False) for p in policies)
    names = [p["metadata"]["name"] for p in policies]
    undo.add(f"restore NetworkPolicies {', '.join(names)}", lambda: restore(kubectl, stream))
    kubectl.run("delete", "networkpolicy", *names, "--wait=false", mutating=True, timeout=30)
    return f"removed NetworkPolicies {', '.join(names)}"


def restore(kubectl: Kubectl, stream: str) -> None:
    kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-", input=stream,
                mutating=True, timeout=APPLY_TIMEOUT_S)


def drain(kubectl: Kubectl, node: str, undo: Undo) -> str:
    """Cordon and drain `node` (uncordoning is registered first: a drain that fails halfway leaves it cordoned)."""
    undo.add(f"uncordon node {node}", lambda: uncordon(kubectl, node))
    result = kubectl.run("drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                         f"--timeout={DRAIN_TIMEOUT_S}s", namespaced=False, mutating=True,
                         timeout=DRAIN_TIMEOUT_S + 30)
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "drained"


def uncordon(kubectl: Kubectl, node: str) -> None:
    kubectl.run("uncordon", node, namespaced=False, mutating=True, timeout=30)
