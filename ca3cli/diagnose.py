"""What went wrong with a workload that did not become ready: its events, `kubectl describe`, and its pods' last logs.

Collected after a failed wait so the user sees the cause without typing five kubectl commands; every call here is
best-effort and never hides the original failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ca3cli.errors import Ca3Error
from ca3cli.kube import Kubectl

MAX_PODS = 3
LOG_LINES = 40
MAX_EVENTS = 20


@dataclass(frozen=True)
class Diagnosis:
    """The evidence for one failing object (`kind/name`)."""

    resource: str
    events: list[str]
    describe: str
    logs: dict[str, str] = field(default_factory=dict)  # pod name -> its last log lines


def _text(kubectl: Kubectl, *args: str) -> str:
    """Output of a read-only call, or the reason it failed; never raises."""
    try:
        result = kubectl.run(*args, check=False, timeout=30)
    except Ca3Error as exc:
        return str(exc)
    return (result.stdout if result.returncode == 0 else result.stderr or result.stdout).strip()


def _json(kubectl: Kubectl, *args: str) -> Any:
    """Parsed `-o json` output, or None when the call failed."""
    text = _text(kubectl, *args, "-o", "json")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def selector(workload: Any) -> str:
    """A `-l` label selector from a workload's `spec.selector.matchLabels` ("" when it has none)."""
    labels = ((workload or {}).get("spec", {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def unhealthy_pods(pods: Any) -> list[dict[str, Any]]:
    """Pods that are neither Succeeded nor fully ready; all pods when none is unhealthy (a slow rollout)."""
    items = (pods or {}).get("items", [])
    bad = [p for p in items if p.get("status", {}).get("phase") != "Succeeded"
           and not all(c.get("ready") for c in p.get("status", {}).get("containerStatuses") or [{}])]
    return (bad or items)[:MAX_PODS]


def restarted(pod: dict[str, Any]) -> bool:
    return any(c.get("restartCount", 0) > 0 for c in pod.get("status", {}).get("containerStatuses") or [])


def event_lines(events: Any, names: set[str]) -> list[str]:
    """Events about the named objects, oldest first, as `Type Reason Kind/name: message (xN)` lines."""
    items = [e for e in (events or {}).get("items", []) if e.get("involvedObject", {}).get("name") in names]
    items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
    lines = []
    for event in items[-MAX_EVENTS:]:
        about = event["involvedObject"]
        count = f" (x{event['count']})" if (event.get("count") or 1) > 1 else ""
        lines.append(f"{event.get('type', '')} {event.get('reason', '')} {about.get('kind')}/{about.get('name')}: "
                     f"{event.get('message', '').strip()}{count}")
    return lines


def related_names(pods: list[dict[str, Any]]) -> set[str]:
    """Objects whose events explain the pods: the pods, their owners (ReplicaSet, Job) and their volume claims."""
    names = set()
    for pod in pods:
        names.add(pod["metadata"]["name"])
        names.update(ref.get("name", "") for ref in pod["metadata"].get("ownerReferences", []))
        names.update(volume["persistentVolumeClaim"]["claimName"] for volume in pod.get("spec", {}).get("volumes", [])
                     if "persistentVolumeClaim" in volume)
    return names


def collect(kubectl: Kubectl, resource: str) -> Diagnosis:
    """Events, describe and last logs for `resource` (e.g. `deployment/processor`) and its pods."""
    describe = _text(kubectl, "describe", resource)
    label_selector = selector(_json(kubectl, "get", resource))
    pods = unhealthy_pods(_json(kubectl, "get", "pods", "-l", label_selector)) if label_selector else []
    names = {resource.partition("/")[2], *related_names(pods)}
    events = event_lines(_json(kubectl, "get", "events"), names)
    logs = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        previous = ["--previous"] if restarted(pod) else []
        logs[name] = _text(kubectl, "logs", name, "--all-containers", f"--tail={LOG_LINES}", *previous)
    return Diagnosis(resource, events, describe, logs)
