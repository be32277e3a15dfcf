"""Edge: what the drill watches through kubectl (pods, events, log lines); parsing kubectl's JSON is pure."""

from __future__ import annotations

from ca3cli.core import kubeobjects as k
from ca3cli.edges import kube, kuberead
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos.model import Pod

EVENTS_SHOWN = 6
LOG_LINES = 3


def pod_state(pod: k.Pod) -> Pod:
    """One pod of `kubectl get pods -o json` as the drill sees it."""
    meta, status = pod["metadata"], pod.get("status", {})
    containers = status.get("containerStatuses") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    waiting = next((w.get("reason", "") for c in containers if (w := (c.get("state") or {}).get("waiting"))), "")
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "Unknown")
    return Pod(meta["name"], (meta.get("labels") or {}).get("app", ""), ready and phase != "Terminating",
               sum(int(c.get("restartCount", 0)) for c in containers), pod.get("spec", {}).get("nodeName", ""),
               phase, waiting, max(len(pod.get("spec", {}).get("containers") or []), len(containers), 1),
               sum(bool(c.get("ready")) for c in containers), meta.get("uid", ""))


def pod_states(listing: k.KubeList[k.Pod]) -> tuple[Pod, ...]:
    return tuple(sorted((pod_state(p) for p in listing.get("items", [])), key=lambda p: (p.app, p.name)))


def event_lines(listing: k.KubeList[k.Event], since: str) -> list[str]:
    """The events at or after `since` (UTC ISO 8601), oldest first, as `HH:MM:SS Kind/name Reason: message`."""
    found = []
    for event in listing.get("items", []):
        at = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp") or ""
        if at[:19] >= since[:19]:
            obj = event.get("involvedObject", {})
            found.append((at[:19], f"{at[11:19]} {obj.get('kind', '?')}/{obj.get('name', '?')} "
                                   f"{event.get('reason', '')}: {event.get('message', '').strip()}"))
    return [line for _, line in sorted(found)][-EVENTS_SHOWN:]


def read_pods(kubectl: Kubectl) -> tuple[Pod, ...]:
    return pod_states(kuberead.listing(kubectl, k.Pod, "pods", timeout=20))


def read_events(kubectl: Kubectl, since: str) -> list[str]:
    return event_lines(kuberead.listing(kubectl, k.Event, "events", timeout=20), since)


def read_logs(kubectl: Kubectl, tier: str) -> list[str]:
    """The last few log lines of the tier's pods, or the one line saying why kubectl could not get them."""
    result = kubectl.run("logs", "-l", f"app={tier}", f"--tail={LOG_LINES}", "--prefix", check=False, timeout=20)
    if result.returncode != 0:
        return [f"(logs of app={tier} unavailable: {kube.reason(result.stderr or result.stdout)})"]
    return result.stdout.splitlines()[-LOG_LINES:]


def nodes(kubectl: Kubectl) -> list[str]:
    return [n["metadata"]["name"] for n in kuberead.items(kubectl, k.Node, "nodes", namespaced=False, timeout=20)]


def system_daemonsets(kubectl: Kubectl) -> list[str]:
    """The DaemonSets in kube-system: the network plugin shows among them (how `ca3 validate` tells one that
    enforces NetworkPolicies)."""
    found = kuberead.items(kubectl, k.Workload, "daemonsets", "-n", "kube-system", namespaced=False, timeout=20)
    return [d["metadata"]["name"] for d in found]
