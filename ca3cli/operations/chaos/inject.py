"""What the actions share (ca3cli/operations/chaos/actions/): the undo list (each change registered before it is
made, so a failure or Ctrl-C halfway still undoes it), choosing the victim pod, the tier's allow policies and
applying saved objects again. Choosing and cleaning are pure; `restore` is the one call to kubectl."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos.model import Pod
from ca3cli.operations.deploy import APPLY_TIMEOUT_S, FIELD_MANAGER
from ca3cli.operations.validate.network import selects

# Fields the API server owns; a saved object is applied again without them.
SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields")
P = TypeVar("P", bound=Mapping[str, Any])  # a NetworkPolicy, live (core/kubeobjects.py) or as rendered


class Undoing(NamedTuple):
    """One undo: what it does, the call, and the command a user runs by hand when it could not be done. The call
    must be idempotent (an apply of the same objects, an uncordon), since the drill retries it through an API outage
    even when the server may have done it before its answer was lost."""

    description: str
    action: Callable[[], None]
    by_hand: str


@dataclass
class Undo:
    """What to do to leave the cluster as it was, done newest first, each once."""

    actions: list[Undoing] = field(default_factory=list)

    def add(self, description: str, action: Callable[[], None], by_hand: str) -> None:
        self.actions.append(Undoing(description, action, by_hand))

    def pop_all(self) -> list[Undoing]:
        actions, self.actions = list(reversed(self.actions)), []
        return actions


def victim(pods: tuple[Pod, ...], tier: str) -> Pod | None:
    """The pod a fault hits: the tier's first Ready pod by name (the same choice on every run)."""
    return next((p for p in pods if p.app == tier and p.ready), None)


def tier_policies(policies: list[P], labels: dict[str, str]) -> list[P]:
    """The allow policies selecting a pod with `labels`: those with a non-empty pod selector (the namespace-wide
    default deny and DNS policies stay, so without these the pod can reach nothing and nothing can reach it)."""
    return [p for p in policies if (sel := p["spec"].get("podSelector") or {})
            and (sel.get("matchLabels") or sel.get("matchExpressions")) and selects(sel, labels)]


def saved(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object as read back, ready to apply again: without the fields the server owns, and without status."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in SERVER_FIELDS}
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": meta, "spec": obj["spec"]}


def restore(kubectl: Kubectl, stream: str) -> None:
    """Apply saved objects again: idempotent (server-side apply of the same fields by the same manager), so a retry
    after a lost answer changes nothing more."""
    kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-", input=stream,
                mutating=True, timeout=APPLY_TIMEOUT_S)
