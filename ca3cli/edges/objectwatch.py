"""Edge: the one reader of `kubectl get <kind> --watch --output-watch-events -o json`, so what must be timed (a pod
Ready again, an autoscaler's new replica count) is timed when its event arrives, not at the next poll.

kubectl lists the kind first and prints every object as an ADDED event, then watches from that list's
resourceVersion and prints each change as it comes. When the watch ends (the API server closes watches after a
while, restarts, or the connection drops) kubectl exits, and the reader starts another after a pause that grows
while the server does not answer (1 s up to 5 s). kubectl cannot resume from a resourceVersion, but each new kubectl
lists again, so no change made meanwhile is missed. Nothing marks the end of that initial listing, and an object
deleted while no watch ran would linger in a state carried over; so each connection builds a state of its own, and
it replaces the shown one only once it holds every object that a listing made after the connection started holds.
Until then `objects()` is None and the caller reads by polling (the poll stays as the fallback: a cluster that
refuses watches, or an API server that is down, must still be measured).

Times are when the reader saw each event, on the caller's clock: a condition's lastTransitionTime has whole seconds
and the API server's clock, while what it is compared with (a drill's injection, a load test's tick) is on ca3's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ca3cli.core import watch_events
from ca3cli.core.errors import Ca3Error
from ca3cli.edges import process
from ca3cli.edges.kube import Kubectl

WATCH_FLAGS = ("--watch", "--output-watch-events", "-o", "json")
LIST_UIDS = "jsonpath={.items[*].metadata.uid}"
RECONNECT_S = 1.0  # the first pause before a new watch
MAX_RECONNECT_S = 5.0  # an API server that is down is not asked more often than this
LIST_TIMEOUT_S = 20

Change = Callable[[float, tuple[dict[str, Any], ...]], None]  # (when the event came, every object then)


class ObjectWatch:
    """Follows every object of `kind` (with `selector`, a `-l` label selector) from `start()` to `stop()`.

    `on_change(t, objects)` is told each state once the watch is in step, `t` read from `clock()` when the event
    arrived; it runs on the reader's thread, under the watch's lock."""

    def __init__(self, kubectl: Kubectl, kind: str, clock: Callable[[], float], on_change: Change | None = None,
                 selector: str = "", reconnect_s: float = RECONNECT_S) -> None:
        self.kubectl, self.kind, self.clock = kubectl, kind, clock
        self.on_change = on_change or (lambda t, objects: None)
        self.selector = ["-l", selector] if selector else []
        self.reconnect_s = reconnect_s
        self.reconnects = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._objects: tuple[dict[str, Any], ...] | None = None  # None: not in step
        self._proc: process.Popen[str] | None = None
        self._thread = threading.Thread(target=self._follow, name=f"ca3-watch-{kind}", daemon=True)

    def start(self) -> ObjectWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
        self._thread.join(timeout=10)

    def objects(self) -> tuple[dict[str, Any], ...] | None:
        """Every object now, by name, or None while the watch is not in step (the caller polls instead)."""
        with self._lock:
            return self._objects

    def _follow(self) -> None:
        pause = self.reconnect_s
        while not self._stop.is_set():
            heard = False
            try:
                self._proc = self.kubectl.start("get", self.kind, *self.selector, *WATCH_FLAGS)
                heard = self._read(self._proc)
                process.stop(self._proc)
            except (Ca3Error, OSError, ValueError):  # kubectl missing, or its pipe closed by stop()
                pass
            with self._lock:
                self._objects = None  # until the next watch holds every object again
            pause = self.reconnect_s if heard else min(pause * 2, MAX_RECONNECT_S)
            if self._stop.wait(pause):
                return
            self.reconnects += 1

    def _read(self, proc: process.Popen[str]) -> bool:
        """Apply one connection's events to a state of its own, shown once it holds every object a listing made
        after the connection started holds; whether any event came."""
        fresh: watch_events.Objects = {}
        seen: set[str] = set()
        listed = self._listed()
        live, heard, buffer = listed == set(), False, ""
        if live:  # nothing to list: the state is empty until an event says otherwise
            with self._lock:
                self._publish(fresh)
        for line in proc.stdout or ():
            buffer += line
            events, buffer = watch_events.split_documents(buffer)
            heard = heard or bool(events)
            with self._lock:
                changed = False
                for event in events:
                    if watch_events.apply(fresh, event):
                        changed = True
                        seen.add(watch_events.key(event["object"]))
                if not live and listed is not None and listed <= seen:
                    live = changed = True
                if live and changed:
                    self._publish(fresh)
        return heard

    def _publish(self, fresh: watch_events.Objects) -> None:
        """Show this connection's state and tell `on_change` (the caller holds the lock)."""
        self._objects = watch_events.ordered(fresh)
        self.on_change(self.clock(), self._objects)

    def _listed(self) -> set[str] | None:
        """The objects' UIDs now (None when they cannot be listed: this connection then never replaces the polls)."""
        try:
            return set(self.kubectl.run("get", self.kind, *self.selector, "-o", LIST_UIDS,
                                        timeout=LIST_TIMEOUT_S).stdout.split())
        except Ca3Error:
            return None
