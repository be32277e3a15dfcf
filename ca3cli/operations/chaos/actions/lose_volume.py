"""Lose one Kafka broker's volume: delete the PersistentVolumeClaims its pod mounts (they go once the pod does), then
the pod. The StatefulSet creates both again, the claim empty; the init container finds a quorum answering and
formats the new volume as a new member (a new directory id), and Kafka's auto-join replaces the broker's old voter
entry with it (kafka/kafka-scripts-configmap, kafka/kafka-statefulset). Nothing of ca3's is needed for that, so
nothing is undone: the drill only deletes, and then checks.

It runs only with three brokers or more (two keep the quorum and a copy of every partition while the third starts
empty). Besides Ready pods and readings flowing with none lost, the drill checks through `kubectl exec` in the new
pod that its volume's directory id is a voter and the old one is gone (`verify`). In Chaos Toolkit the evidence is
the claim's uid changed (the old one, read at the start by a configuration probe, printed beside the new one) and
the broker's node listed exactly once in `describe --replication`, as Leader or Follower."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ca3cli.core import kubeobjects as k
from ca3cli.core.errors import Ca3Error
from ca3cli.core.kraft import QUORUM_SCRIPT
from ca3cli.edges import kuberead
from ca3cli.operations.chaos import preconditions, quorum
from ca3cli.operations.chaos.actions.base import (
    PICKED,
    Plan,
    Toolkit,
    kubectl_line,
    process_probe,
)
from ca3cli.operations.chaos.actions.delete_pod import DeletePod
from ca3cli.operations.chaos.actions.kill_main import main_container
from ca3cli.operations.chaos.inject import Undo
from ca3cli.operations.chaos.model import Cast, Experiment, Fault, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

MIN_BROKERS = 3
META_PROPERTIES = ("bash", "-c", 'cat "$KAFKA_LOG_DIRS/meta.properties"')  # the container's own log directory
VOTER_WAIT_S = 120.0  # the new broker catches up, then auto-join removes the old entry and adds the new one
VOTER_POLL_S = 5.0
UNDO = "nothing to undo: the StatefulSet creates the pod and an empty claim again, and the broker rejoins by itself"
CLAIM_UID = "ca3_claim_uid"  # the dynamic configuration key holding the claim's uid at the start


def node_id(pod: str) -> int:
    """A StatefulSet pod's ordinal (`kafka-2` -> 2), which the broker takes as its KRaft node id."""
    ordinal = pod.rsplit("-", 1)[-1]
    if not ordinal.isdigit():
        raise Ca3Error(f"Pod {pod} is not a StatefulSet pod (no ordinal in its name). This is a bug in ca3.")
    return int(ordinal)


def claims(pod: k.Pod) -> list[str]:
    """The PersistentVolumeClaims a pod mounts."""
    volumes = pod.get("spec", {}).get("volumes", [])
    return [v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v]


class LoseVolume(DeletePod):
    """A pod deletion (its pick, command and recovery) with the pod's claims deleted first and the quorum checked."""

    kind = "lose-volume"
    undo = UNDO

    def experiment(self, names: Topology, component: str) -> Experiment:
        tier = names.app(component)
        return Experiment(f"lose-volume-{tier}", self.kind, tier, f"delete one {tier} pod with its volume (its "
                          "PersistentVolumeClaim); it must come back empty and rejoin the KRaft quorum as a voter",
                          container=main_container(names, component), component=component)

    def plan(self, exp: Experiment, namespace: str, names: Topology) -> Plan:
        """PodAction's pick and pod deletion, with the pod's claims picked and deleted first and the quorum read
        afterwards."""
        pod = super().plan(exp, namespace, names)
        claims = kubectl_line(namespace, "get", "pod", PICKED, "-o",
                              "jsonpath={.spec.volumes[*].persistentVolumeClaim.claimName}")
        quorum = kubectl_line(namespace, "exec", PICKED, "-c", exp.container, "--", "bash", QUORUM_SCRIPT,
                              "describe", "--replication")
        return Plan((*pod.pick, f"claims=$({claims})"),
                    (f'{kubectl_line(namespace, "delete", "pvc")} $claims --wait=false', *pod.does,
                     "# once it is Ready again: its node listed once, as Leader or Follower (a voter)", quorum),
                    pod.undo)

    def precondition(self, kubectl: Kubectl, exp: Experiment, sample: Sample, cast: Cast) -> str:
        brokers = len(sample.tier(exp.tier))
        if brokers and brokers < MIN_BROKERS:
            return (f"Kafka runs {brokers} broker{'s' if brokers > 1 else ''}, and losing a volume needs "
                    f"{MIN_BROKERS} (the others keep the quorum and a copy of every reading): set kafka.replicas: "
                    f"{MIN_BROKERS} in ca3.yaml and run `ca3 deploy` to include it.")
        return preconditions.tier_reason(exp, sample)

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        """The claims first (Kubernetes keeps a claim in use until its pod is gone), then the pod."""
        pod = self.target(exp, fault)
        found = claims(kuberead.one(kubectl, k.Pod, "pod", pod, timeout=30))
        if not found:
            raise Ca3Error(f"Pod {pod} mounts no PersistentVolumeClaim, so it has no volume to lose.")
        deleted = kubectl.run("delete", "pvc", *found, "--wait=false", mutating=True, timeout=30).stdout
        deleted += kubectl.run("delete", "pod", pod, "--wait=false", mutating=True, timeout=30).stdout
        return "; ".join(line.strip() for line in deleted.splitlines() if line.strip())

    def verify(self, kubectl: Kubectl, exp: Experiment, run: Run, progress: Callable[[str], None]) -> str:
        """The new pod's volume is a voter in place of the lost one, in a quorum of as many voters as brokers were
        Ready before; asked again until VOTER_WAIT_S (auto-join waits until the broker has caught up), saying what
        it waits for whenever that changes."""
        pod, node = run.fault.victim, node_id(run.fault.victim)
        wanted = run.fault.ready_before.get(exp.tier, MIN_BROKERS)
        ends = time.monotonic() + VOTER_WAIT_S
        said = ""
        while True:
            problem, found = self._quorum(kubectl, exp, pod, node, wanted)
            if not problem:
                return found
            if problem != said:
                progress(f"not yet: {problem}; asking every {VOTER_POLL_S:.0f} s for up to {VOTER_WAIT_S:.0f} s")
                said = problem
            if time.monotonic() >= ends:
                raise Ca3Error(f"{pod} did not rejoin the KRaft quorum as a voter within {VOTER_WAIT_S:.0f} s: "
                               f"{problem}. `kubectl exec {pod} -c {exp.container} -- bash {QUORUM_SCRIPT} describe "
                               "--replication` shows the quorum; docs/cluster-operations.md says how to replace a "
                               "voter by hand.")
            time.sleep(VOTER_POLL_S)

    def _quorum(self, kubectl: Kubectl, exp: Experiment, pod: str, node: int, wanted: int) -> tuple[str, str]:
        """(what is wrong, "") or ("", what the quorum looks like), from one look inside the pod."""
        meta = kubectl.run("exec", pod, "-c", exp.container, "--", *META_PROPERTIES, check=False, timeout=30)
        if meta.returncode != 0:
            return f"its meta.properties could not be read: {_last_line(meta.stderr)}", ""
        table = kubectl.run("exec", pod, "-c", exp.container, "--", "bash", QUORUM_SCRIPT, "describe",
                            "--replication", check=False, timeout=60)
        if table.returncode != 0:
            return f"kafka-metadata-quorum.sh failed: {_last_line(table.stderr)}", ""
        try:
            rows = quorum.replicas(table.stdout)
        except quorum.Unreadable as exc:
            return str(exc), ""
        directory = quorum.directory_id(meta.stdout)
        problem = quorum.rejoined(rows, node, directory, wanted)
        return (problem, "") if problem else ("", quorum.summary(rows, node, directory))

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit | str:
        statefulset = names.workload_object(exp.component)
        brokers = int(statefulset["spec"]["replicas"])
        if brokers < MIN_BROKERS:
            return (f"it needs {MIN_BROKERS} Kafka brokers and this milestone renders {brokers} "
                    f"(kafka.replicas in ca3.yaml)")
        pod = names.first_pod(exp.component)
        # A StatefulSet names each pod's claim `<volumeClaimTemplate>-<pod>`.
        owned = [f"{t['metadata']['name']}-{pod}" for t in statefulset["spec"].get("volumeClaimTemplates") or []]
        delete_claims = _process("action", f"delete the claims of {pod}", namespace, "delete", "pvc", *owned,
                                 "--wait=false")
        delete_pod = _process("action", f"delete {pod}", namespace, "delete", "pod", pod, "--wait=false")
        at_start = process_probe(f"uid of claim {owned[0]} at the start", namespace, "get", "pvc", owned[0], "-o",
                                 "jsonpath={.metadata.uid}")
        renewed = process_probe(f"claim {owned[0]} was created again", namespace, "get", "pvc", owned[0], "-o",
                                f"jsonpath=${{{CLAIM_UID}}} {{.metadata.uid}}")
        uid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        renewed["tolerance"] = {"type": "regex", "pattern": f"^({uid}) (?!\\1$){uid}$", "target": "stdout"}
        node = node_id(pod)
        voter = process_probe(f"node {node} is a voter again, listed once", namespace, "exec", pod, "-c",
                              exp.container, "--", "bash", QUORUM_SCRIPT, "describe", "--replication")
        voter["provider"]["timeout"] = 60
        voter["tolerance"] = {"type": "regex", "target": "stdout", "pattern": (
            f"(?m)\\A(?![\\s\\S]*^{node}\\s[\\s\\S]*^{node}\\s)[\\s\\S]*^{node}\\s.*\\b(Leader|Follower)\\s*$")}
        return Toolkit([delete_claims, delete_pod], evidence=[renewed, voter], configuration={CLAIM_UID: at_start})


def _process(kind: str, name: str, namespace: str, *words: str) -> dict[str, object]:
    """An action that runs kubectl (chaostoolkit-kubernetes has no activity that deletes a claim)."""
    return {**process_probe(name, namespace, *words), "type": kind}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


ACTION = LoseVolume()
