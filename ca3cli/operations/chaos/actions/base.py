"""What every chaos action offers the drill, `--dry-run` and the Chaos Toolkit export (the Protocol), and the
behaviour most actions share (PodAction: the fault hits the tier's first Ready pod, recovery is timed from the
injection, the tier is back when as many of its pods as before are Ready)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ca3cli.core.errors import Ca3Error
from ca3cli.operations.chaos import preconditions
from ca3cli.operations.chaos.inject import Undo, victim
from ca3cli.operations.chaos.model import Cast, Experiment, Fault, Pod, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

Activity = dict[str, Any]


class Victim(NamedTuple):
    name: str  # a pod or a node
    uid: str = ""
    restarts: int = 0


@dataclass(frozen=True)
class Plan:
    """What an experiment does and how it is undone: shell lines that can be pasted (`pick` sets the shell
    variables the others use), and the undo as a command or a sentence."""

    pick: tuple[str, ...]
    does: tuple[str, ...]
    undo: str


@dataclass(frozen=True)
class Toolkit:
    """An experiment's part of a Chaos Toolkit file: the method's activities, the rollbacks (their own objects),
    the hypothesis probes that fail when the fault did not happen, and the dynamic configuration they read."""

    method: list[Activity]
    rollbacks: list[Activity] = field(default_factory=list)
    evidence: list[Activity] = field(default_factory=list)
    configuration: dict[str, Any] = field(default_factory=dict)
    needs_enforced_policies: bool = False  # it does what it says only where NetworkPolicies are enforced


class Action(Protocol):
    kind: str

    def experiment(self, names: Topology, component: str) -> Experiment:
        """The catalogue row's experiment on `component`, named after the rendered manifests."""

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        """The kubectl commands of `--dry-run`, named after the rendered manifests `names` reads."""

    def undo_text(self, exp: Experiment) -> str:
        """How the fault is undone, in a sentence (the journal's rollback step when there was nothing to do)."""

    def precondition(self, kubectl: Kubectl, exp: Experiment, sample: Sample, cast: Cast) -> str:
        """Why it cannot run on this cluster now (skipped with that sentence), or ""."""

    def aim(self, exp: Experiment, sample: Sample, cast: Cast) -> Victim:
        """The pod or node the fault hits, as it was just before."""

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        """Make the fault (registering its undo first); what kubectl answered."""

    def recovery_start(self, fault: Fault) -> float | None:
        """When recovery is timed from."""

    def recovered(self, sample: Sample, run: Run) -> bool:
        """The failed part is back in `sample`."""

    def verify(self, kubectl: Kubectl, exp: Experiment, run: Run, progress: Callable[[str], None]) -> str:
        """Its own check once the failed part is back, beyond what the pods show (a broker a voter again): what it
        found, "" when it checks nothing more; Ca3Error saying what is wrong fails the experiment. A check that
        waits says what it still waits for through `progress`."""

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit | str | None:
        """Its Chaos Toolkit activities, or why it is left out of this milestone's export, or None when its target
        is known only at run time."""


PICKED = "\0pod"  # a word standing for the pod `first_ready_pod` picked: written "$pod"


def kubectl_line(namespace: str, *words: str) -> str:
    """A kubectl command line to paste: every word shell-quoted, the namespace explicit, PICKED as "$pod"."""
    return " ".join('"$pod"' if w == PICKED else shlex.quote(w) for w in ("kubectl", "--namespace", namespace, *words))


def first_ready_pod(namespace: str, tier: str) -> str:
    """The shell line that sets `$pod` to the tier's first Running pod by name (the drill takes the first Ready)."""
    query = kubectl_line(namespace, "get", "pods", "-l", f"app={tier}", "--field-selector=status.phase=Running",
                         "-o", "jsonpath={.items[0].metadata.name}")
    return f"pod=$({query})"


def is_victim(pod: Pod, fault: Fault) -> bool:
    """The pod the fault hit: by uid when known (a StatefulSet's replacement keeps the name), else by name."""
    return pod.uid == fault.victim_uid if fault.victim_uid and pod.uid else pod.name == fault.victim


def tier_back(sample: Sample, run: Run, count_victim: bool) -> bool:
    """As many of the tier's pods Ready as before (the victim itself counting only when `count_victim`)."""
    fault, exp = run.fault, run.experiment
    pods = [p for p in sample.tier(exp.tier) if count_victim or not is_victim(p, fault)]
    return sum(p.ready for p in pods) >= max(fault.ready_before.get(exp.tier, 1), 1)


def process_probe(name: str, namespace: str, *words: str) -> Activity:
    """A probe that runs kubectl (Chaos Toolkit's `process` provider: its value is the exit status and stdout)."""
    return {"type": "probe", "name": name, "provider": {
        "type": "process", "path": "kubectl", "arguments": ["--namespace", namespace, *words], "timeout": 30}}


def activity(kind: str, name: str, module: str, func: str, arguments: dict[str, Any]) -> Activity:
    """A chaostoolkit-kubernetes activity (a Python provider)."""
    return {"type": kind, "name": name, "provider": {
        "type": "python", "module": module, "func": func, "arguments": arguments}}


def tier_selector(exp: Experiment, namespace: str) -> dict[str, Any]:
    """chaostoolkit-kubernetes arguments that pick the tier's first pod by name, as `first_ready_pod` does."""
    return {"label_selector": f"app={exp.tier}", "qty": 1, "order": "alphabetic", "ns": namespace}


class PodAction:
    """The fault hits the tier's first Ready pod; recovery is timed from the injection. A subclass names what it
    does to the pod (`fault_words`, with PICKED for the pod), the verb of its error and its undo sentence."""

    undo: str
    verb: str

    def fault_words(self, exp: Experiment) -> Sequence[str]:
        raise NotImplementedError

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        return Plan((first_ready_pod(namespace, exp.tier),), (kubectl_line(namespace, *self.fault_words(exp)),),
                    self.undo_text(exp))

    def undo_text(self, exp: Experiment) -> str:
        return self.undo

    def target(self, exp: Experiment, fault: Fault) -> str:
        """The pod to hit, or a sentence when the tier had no Ready pod to hit."""
        if not fault.victim:
            raise Ca3Error(f"No Ready {exp.tier} pod to {self.verb}.")
        return fault.victim

    def precondition(self, kubectl: Kubectl, exp: Experiment, sample: Sample, cast: Cast) -> str:
        return preconditions.tier_reason(exp, sample)

    def aim(self, exp: Experiment, sample: Sample, cast: Cast) -> Victim:
        pod = victim(sample.pods, exp.tier)
        return Victim(pod.name, pod.uid, pod.restarts) if pod else Victim("")

    def recovery_start(self, fault: Fault) -> float | None:
        return fault.injected_at

    def verify(self, kubectl: Kubectl, exp: Experiment, run: Run, progress: Callable[[str], None]) -> str:
        return ""
