"""kubectl's text answers for the operator's commands in a stand-in drill (the recordings hold JSON only).

- `describe pod`: recorded/describe-pod-*.txt, printed by a real kubectl from the recorded pods (see its README).
- `get pods` and `get events`: the columns the API server's table printer gives them in Kubernetes 1.28
  (pkg/printers/internalversion: pods NAME READY STATUS RESTARTS AGE; events LAST SEEN TYPE REASON OBJECT
  MESSAGE), laid out as kubectl's tabwriter does (each column padded to its widest cell plus 3 spaces), with the
  cells computed from the recorded pods and events.
- `get pods -w`: the table, then one row per change, as kubectl prints a watch.
- `logs`: lines written by the apps' own JSON log formatter.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from conveyor_common.logs import JsonFormatter

from tests.chaos import answers as a
from tests.fixtures.kubectl import KubectlStub

Obj = dict[str, Any]
NOW = datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)  # the stand-in cluster's clock when the operator looks
POD_COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS", "AGE")
EVENT_COLUMNS = ("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")


def describe(tier: str) -> str:
    return (a.HERE / f"describe-pod-{tier}.txt").read_text()


def tab(rows: list[tuple[str, ...]]) -> str:
    """Rows as kubectl's tabwriter lays them out: every column but the last padded to its widest cell + 3."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("".join(cell.ljust(w + 3) for cell, w in zip(row[:-1], widths, strict=False)) + row[-1]
                     for row in rows) + "\n"


def age(stamp: str) -> str:
    """kubectl's short duration from `stamp` to NOW (apimachinery's HumanDuration, up to 8 hours)."""
    seconds = int((NOW - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds())
    minutes, hours = seconds // 60, seconds // 3600
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m" if seconds % 60 == 0 else f"{minutes}m{seconds % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"


def pod_row(pod: Obj) -> tuple[str, ...]:
    meta, status = pod["metadata"], pod["status"]
    containers = status.get("containerStatuses") or []
    waiting = next((c["state"]["waiting"]["reason"] for c in containers if "waiting" in (c.get("state") or {})), "")
    shown = "Terminating" if meta.get("deletionTimestamp") else waiting or status["phase"]
    return (meta["name"], f"{sum(bool(c.get('ready')) for c in containers)}/{len(pod['spec']['containers'])}", shown,
            str(sum(c.get("restartCount", 0) for c in containers)), age(meta["creationTimestamp"]))


def pods_table(listing: Obj, app: str | None = None) -> str:
    pods = [p for p in listing["items"] if app is None or p["metadata"]["labels"].get("app") == app]
    return tab([POD_COLUMNS, *(pod_row(p) for p in pods)])


def watch(app: str, *listings: Obj) -> str:
    """`kubectl get pods -l app=APP -w`: the first listing's table, then each pod's row whenever it changed."""
    first = pods_table(listings[0], app)
    seen = {row[0]: row for row in (pod_row(p) for p in listings[0]["items"]
                                     if p["metadata"]["labels"].get("app") == app)}
    changes = []
    for listing in listings[1:]:
        for pod in listing["items"]:
            if pod["metadata"]["labels"].get("app") != app:
                continue
            row = pod_row(pod)
            if seen.get(row[0]) != row:
                changes.append(row)
                seen[row[0]] = row
    return first + "".join(tab([row]) for row in changes)


def events(victim: str, replacement: str, owner: str) -> str:
    """`kubectl get events --sort-by=.lastTimestamp`: the recorded events, then those a pod deletion adds (the
    kubelet's Killing, the controller's SuccessfulCreate, the scheduler's and the kubelet's for the new pod)."""
    recorded = [(e.get("lastTimestamp") or e["eventTime"][:19] + "Z", e["type"], e["reason"],
                 f"{e['involvedObject']['kind'].lower()}/{e['involvedObject']['name']}", e["message"])
                for e in a.recorded_events()["items"]]
    container = victim.split("-")[0]
    container = victim.split("-")[0]
    added = [("2026-12-01T08:00:10Z", "Normal", "Killing", f"pod/{victim}", f"Stopping container {container}"),
             ("2026-12-01T08:00:10Z", "Normal", "SuccessfulCreate", owner, f"Created pod: {replacement}"),
             ("2026-12-01T08:00:10Z", "Normal", "Scheduled", f"pod/{replacement}",
              f"Successfully assigned {a.NAMESPACE}/{replacement} to node-1"),
             ("2026-12-01T08:00:11Z", "Normal", "Started", f"pod/{replacement}", "Started container")]
    rows = sorted(recorded + added, key=lambda r: r[0])
    return tab([EVENT_COLUMNS, *((age(at), kind, reason, obj, message) for at, kind, reason, obj, message in rows)])


def logs(service: str, *messages: str) -> str:
    formatter = JsonFormatter(service)
    lines = []
    for second, message in enumerate(messages):
        record = logging.LogRecord(service, logging.INFO, __file__, 0, message, None, None)
        record.created = NOW.timestamp() - len(messages) + second
        lines.append(formatter.format(record))
    return "\n".join(lines) + "\n"


def answer_operator(stub: KubectlStub) -> None:
    """Answers for the commands the operator types in any drill (a test registers longer words to override them):
    the recorded pods, a producer pod coming back, the producer's replacement described, the events."""
    pods = a.recorded_pods()
    after = a.replaced(pods, a.PRODUCER, a.REPLACEMENT, ready=True, keep_old=False)
    stub.on("get", "pods", stdout=pods_table(pods))
    stub.on("get", "pods", "-l", stdout=watch("producer", pods, a.terminating(pods, a.PRODUCER), after))
    stub.on("describe", "pod", stdout=describe("producer"))
    stub.on("get", "events", "--sort-by=.lastTimestamp",
            stdout=events(a.PRODUCER, a.REPLACEMENT, "replicaset/producer-848b9d6d7"))
