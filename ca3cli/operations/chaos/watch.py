"""Edge: the namespace's pods as `kubectl get pods --watch` reports them, so a recovery is timed when its event
arrives, not at the next poll. One reader thread follows one kubectl process; when the watch ends (the API server
closes watches after a while, restarts, or the connection drops) it starts another after a pause. A new watch first
reports every pod again, and pods deleted while none was running would linger, so after a reconnect the reader lists
the pods once and takes the new watch's state only when it holds every pod that list did.

Splitting kubectl's output into events and applying them are pure.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, cast

from ca3cli.core import kubeobjects as k
from ca3cli.core.errors import Ca3Error
from ca3cli.edges import process
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.chaos import observe
from ca3cli.operations.chaos.model import Pod, PodsAt

WATCH = ("get", "pods", "--watch", "--output-watch-events", "-o", "json")
LIST_UIDS = "jsonpath={.items[*].metadata.uid}"
RECONNECT_S = 1.0  # the pause before a new watch: an API server that is down is not asked many times a second


def split_documents(buffer: str) -> tuple[list[Any], str]:
    """The complete JSON documents at the start of `buffer` (kubectl prints one per event, indented over many
    lines) and the rest, a document still being written."""
    decoder, at = json.JSONDecoder(), 0
    found: list[Any] = []
    while True:
        while at < len(buffer) and buffer[at].isspace():
            at += 1
        if at == len(buffer):
            return found, ""
        try:
            document, at = decoder.raw_decode(buffer, at)
        except json.JSONDecodeError:
            return found, buffer[at:]
        found.append(document)


def key(pod: dict[str, Any]) -> str:
    meta = pod.get("metadata", {})
    return str(meta.get("uid") or meta.get("name", ""))


def apply(pods: dict[str, Pod], event: dict[str, Any]) -> bool:
    """Apply one watch event (`{"type": ADDED|MODIFIED|DELETED, "object": pod}`); whether the pods changed.
    BOOKMARK and ERROR events (an expired watch says 410 Gone) change nothing; the watch ending brings a new one."""
    kind, obj = event.get("type"), event.get("object") or {}
    if kind == "DELETED":
        return pods.pop(key(obj), None) is not None
    if kind in ("ADDED", "MODIFIED") and obj.get("kind", "Pod") == "Pod":
        pods[key(obj)] = observe.pod_state(cast(k.Pod, obj))  # the API server's Pod, as `get pods -o json` has it
        return True
    return False


def ordered(pods: dict[str, Pod]) -> tuple[Pod, ...]:
    """As `observe.pod_states` orders a listing: by `app` label, then name."""
    return tuple(sorted(pods.values(), key=lambda p: (p.app, p.name)))


class PodWatch:
    """Follows the pods from `start()` to `stop()`. `clock()` gives the drill's seconds; `timeline(since)` is every
    state the pods went through, with the time its event arrived."""

    def __init__(self, kubectl: Kubectl, clock: Callable[[], float], reconnect_s: float = RECONNECT_S) -> None:
        self.kubectl, self.clock, self.reconnect_s = kubectl, clock, reconnect_s
        self.reconnects = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pods: dict[str, Pod] = {}
        self._synced = False  # the state holds every pod (the first watch's, or a list after a reconnect)
        self._timeline: list[PodsAt] = []
        self._proc: process.Popen[str] | None = None
        self._thread = threading.Thread(target=self._follow, name="ca3-pod-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
        self._thread.join(timeout=10)

    def pods(self) -> tuple[Pod, ...] | None:
        """The pods now, or None while the watch has not reported all of them (the caller lists them itself)."""
        with self._lock:
            return ordered(self._pods) if self._synced else None

    def timeline(self, since: float) -> tuple[PodsAt, ...]:
        with self._lock:
            return tuple(p for p in self._timeline if p.t >= since)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self._proc = self.kubectl.start(*WATCH)
                self._read(self._proc)
                process.stop(self._proc)
            except (Ca3Error, OSError, ValueError):  # kubectl missing, or its pipe closed by stop()
                pass
            with self._lock:
                self._synced = False  # until the next watch holds every pod again
            if self._stop.wait(self.reconnect_s):
                return
            self.reconnects += 1

    def _read(self, proc: process.Popen[str]) -> None:
        """Apply the events of one watch to a state of its own, shown once it has seen every pod a listing made
        after the watch began holds (each connection starts by reporting every pod again)."""
        fresh: dict[str, Pod] = {}
        seen: set[str] = set()
        listed = self._listed()
        live = False
        buffer = ""
        for line in proc.stdout or ():
            buffer += line
            events, buffer = split_documents(buffer)
            with self._lock:
                changed = False
                for event in (e for e in events if isinstance(e, dict)):
                    if apply(fresh, event):
                        changed = True
                        seen.add(key(event.get("object") or {}))
                if not live and listed is not None and listed <= seen:
                    live = changed = True
                if live and changed:
                    self._pods, self._synced = fresh, True
                    self._timeline.append(PodsAt(round(self.clock(), 2), ordered(fresh)))

    def _listed(self) -> set[str] | None:
        """The pods' keys now (None when they cannot be listed: this watch then never replaces the polls)."""
        try:
            return set(self.kubectl.run("get", "pods", "-o", LIST_UIDS, timeout=20).stdout.split())
        except Ca3Error:
            return None
