"""kubectl answers for drills, derived from the real Kubernetes 1.28 recordings. The recordings had no kubelet and
no second node, so what a kubelet or a drain writes is derived here in the API's shape: a deleted pod Terminating
(deletionTimestamp set, Ready False), its replacement Pending with ContainerCreating then Ready, a container
restarted in place (restartCount + 1), a second node. Texts are kubectl 1.28's own for these verbs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ca3cli.edges.objectwatch import LIST_UIDS
from tests.fixtures.kubectl import KubectlStub, fixture_json

Obj = dict[str, Any]
HERE = Path(__file__).resolve().parent / "recorded"
PRODUCER = "producer-848b9d6d7-gvhjt"
REPLACEMENT = "producer-848b9d6d7-x7k2p"
PROCESSOR = "processor-6bfb6584f6-pfwwz"
NAMESPACE = "conveyor-pipeline"


def recorded_pods() -> Obj:
    return fixture_json("recorded/get-pods.json")


def recorded_namespace(milestone: int | None = None) -> Obj:
    """The namespace as recorded (`ca3 deploy -m 6` annotated it), or annotated with another milestone."""
    namespace = fixture_json("recorded/get-namespace-conveyor-pipeline.json")
    if milestone is not None:
        namespace["metadata"]["annotations"]["ca3.dev/milestone"] = str(milestone)
    return namespace


def recorded_events() -> Obj:
    return fixture_json("recorded/get-events.json")


def recorded_policies() -> Obj:
    return json.loads((HERE / "get-networkpolicy.json").read_text())


def recorded_nodes() -> Obj:
    return json.loads((HERE / "get-nodes.json").read_text())


def _pod(listing: Obj, name: str) -> Obj:
    return next(p for p in listing["items"] if p["metadata"]["name"] == name)


def _set_ready(pod: Obj, ready: bool) -> None:
    for condition in pod["status"]["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "True" if ready else "False"
    for status in pod["status"].get("containerStatuses") or []:
        status["ready"] = ready


def terminating(listing: Obj, name: str) -> Obj:
    out = copy.deepcopy(listing)
    pod = _pod(out, name)
    pod["metadata"] |= {"deletionTimestamp": "2026-12-01T08:00:10Z", "deletionGracePeriodSeconds": 30}
    _set_ready(pod, False)
    return out


def replaced(listing: Obj, name: str, new_name: str, ready: bool, keep_old: bool) -> Obj:
    """The replacement pod (a copy of `name` renamed) Pending or Ready; the old one kept (Terminating) or gone."""
    out = terminating(listing, name) if keep_old else without(listing, name)
    pod = copy.deepcopy(_pod(listing, name))
    pod["metadata"] |= {"name": new_name, "uid": "6f1c2d0e-0000-4000-8000-00000000c4a0",
                        "creationTimestamp": "2026-12-01T08:00:10Z"}
    _set_ready(pod, ready)
    if not ready:
        pod["status"]["phase"] = "Pending"
        for status in pod["status"]["containerStatuses"]:
            status["state"] = {"waiting": {"reason": "ContainerCreating"}}
            status["started"] = False
    out["items"].append(pod)
    return out


def restarted(listing: Obj, name: str, restarts: int, ready: bool) -> Obj:
    out = copy.deepcopy(listing)
    pod = _pod(out, name)
    _set_ready(pod, ready)
    for status in pod["status"]["containerStatuses"]:
        status["restartCount"] = restarts
    return out


def without(listing: Obj, name: str) -> Obj:
    out = copy.deepcopy(listing)
    out["items"] = [p for p in out["items"] if p["metadata"]["name"] != name]
    return out


def unready(listing: Obj, name: str) -> Obj:
    out = copy.deepcopy(listing)
    _set_ready(_pod(out, name), False)
    return out


def two_nodes() -> Obj:
    out = recorded_nodes()
    second = copy.deepcopy(out["items"][0])
    second["metadata"]["name"] = second["metadata"]["labels"]["kubernetes.io/hostname"] = "node-2"
    second["metadata"]["uid"] = "0b3f9a52-0000-4000-8000-0000000000a2"
    out["items"].append(second)
    return out


def system_daemonsets(*names: str) -> Obj:
    """kube-system's DaemonSets by name, shaped like the recorded promtail DaemonSet."""
    template = next(i for i in fixture_json("recorded/get-all.json")["items"] if i["kind"] == "DaemonSet")
    items = []
    for name in names:
        ds = copy.deepcopy(template)
        ds["metadata"] |= {"name": name, "namespace": "kube-system"}
        items.append(ds)
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def deleted_pod(name: str) -> str:
    return f'pod "{name}" deleted\n'


def deleted_policies(*names: str) -> str:
    return "".join(f'networkpolicy.networking.k8s.io "{n}" deleted\n' for n in names)


def applied_policies(*names: str) -> str:
    return "".join(f"networkpolicy.networking.k8s.io/{n} serverside-applied\n" for n in names)


def drained(node: str, pod: str) -> str:
    return (f"node/{node} cordoned\nevicting pod {NAMESPACE}/{pod}\npod/{pod} evicted\nnode/{node} drained\n")


def drain_blocked(node: str) -> tuple[str, str]:
    """(stdout, stderr) of a drain that Kafka's PodDisruptionBudget holds up until the timeout."""
    return (f"node/{node} cordoned\nevicting pod {NAMESPACE}/kafka-0\n",
            f"Warning: ignoring DaemonSet-managed Pods: {NAMESPACE}/promtail-s7lt8\n"
            f'error when evicting pods/"kafka-0" -n "{NAMESPACE}" (will retry after 5s): Cannot evict pod as it '
            "would violate the pod's disruption budget.\n"
            f'There are pending nodes to be drained:\n {node}\nerror: unable to drain node "{node}" due to '
            "error:global timeout reached: 2m0s, continuing command...\n")


def uncordoned(node: str) -> str:
    return f"node/{node} uncordoned\n"


def logs_unreachable() -> str:
    """What the recordings' API server said to `kubectl logs` (no kubelet behind the node's address)."""
    return "Error from server: error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused\n"


REFUSED = "The connection to the server 127.0.0.1:6999 was refused - did you specify the right host or port?\n"


def no_pod_watch(stub: KubectlStub) -> None:
    """`kubectl get pods --watch` refused as a stopped API server refuses it (recorded: server-down-version), so a
    drill polls; the listing a reconnect makes answers nothing."""
    stub.on("get", "pods", "--watch", stderr=REFUSED, returncode=1)
    stub.on("get", "pods", "-o", LIST_UIDS, stdout="")


def brokers(listing: Obj, count: int) -> Obj:
    """The recorded stack with `count` Kafka brokers: kafka-1... copied from the recorded kafka-0 as a StatefulSet
    names and labels its pods (ordinal in the name and in apps.kubernetes.io/pod-index, a claim per pod)."""
    out = copy.deepcopy(listing)
    first = _pod(out, "kafka-0")
    for ordinal in range(1, count):
        pod = copy.deepcopy(first)
        name = f"kafka-{ordinal}"
        pod["metadata"]["name"] = pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = name
        pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = str(ordinal)
        pod["metadata"]["uid"] = f"{first['metadata']['uid'][:24]}{ordinal:012d}"
        pod["spec"]["hostname"] = name
        for volume in pod["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                volume["persistentVolumeClaim"]["claimName"] = f"{volume['name']}-{name}"
        out["items"].append(pod)
    return out


def deleted_claims(*names: str) -> str:
    return "".join(f'persistentvolumeclaim "{n}" deleted\n' for n in names)


# Kafka's own texts, as its source prints them: apache/kafka tools/src/main/java/org/apache/kafka/tools/
# MetadataQuorumCommand.java (handleDescribeReplication: the header, then Leader, Follower and Observer rows; the same
# at trunk 1eb7644 of October 2024 and at a later stored commit 0384109) and ToolsUtils.prettyPrintTable (each cell
# padded to its column's widest, then a tab); metadata/.../properties/MetaProperties.java (node.id, directory.id,
# version, cluster.id) written by PropertiesUtils.writePropertiesFile (java.util.Properties.store, comment "").
REPLICATION_HEADER = ("NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp",
                      "Status")


def replication(*rows: tuple[int, str, str]) -> str:
    """`kafka-metadata-quorum.sh describe --replication` for (node, directory id, status) rows: the leader first,
    then the other voters (Follower), then the observers, every cell padded to its column's widest and followed by a
    tab. Offsets and times are those of a caught-up quorum."""
    ordered = sorted(rows, key=lambda r: ("Leader", "Follower", "Observer").index(r[2]))
    table = [list(REPLICATION_HEADER)] + [[str(node), directory, "1204", "0", "1796000000123", "1796000000123",
                                           status] for node, directory, status in ordered]
    widths = [max(len(row[i]) for row in table) for i in range(len(REPLICATION_HEADER))]
    return "".join("".join(cell.ljust(widths[i]) + "\t" for i, cell in enumerate(row)) + "\n" for row in table)


def meta_properties(node: int, directory: str, cluster: str = "MkU3OEVBNTcwNTJENDM2Qk") -> str:
    """A formatted log directory's meta.properties (java.util.Properties.store with an empty comment)."""
    return (f"#\n#Sun Dec 06 20:10:11 UTC 2026\nnode.id={node}\ndirectory.id={directory}\nversion=1\n"
            f"cluster.id={cluster}\n")
