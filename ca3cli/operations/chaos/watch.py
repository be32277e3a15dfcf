"""The namespace's pods as the drill sees them, followed through the one watch reader (edges/objectwatch.py), so a
recovery is timed when its event arrives, not at the next poll."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from ca3cli.core import kubeobjects as k
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.objectwatch import RECONNECT_S, ObjectWatch
from ca3cli.operations.chaos import observe
from ca3cli.operations.chaos.model import Pod, PodsAt


def pod_states(pods: tuple[dict[str, Any], ...]) -> tuple[Pod, ...]:
    """The watched pods as the drill sees them (the API server's Pods, as `get pods -o json` lists them)."""
    return observe.pod_states(cast(k.KubeList[k.Pod], {"items": list(pods)}))


class PodWatch:
    """Follows the pods from `start()` to `stop()`. `clock()` gives the drill's seconds; `timeline(since)` is every
    state the pods went through, with the time its event arrived."""

    def __init__(self, kubectl: Kubectl, clock: Callable[[], float], reconnect_s: float = RECONNECT_S) -> None:
        self._lock = threading.Lock()
        self._timeline: list[PodsAt] = []
        self._watch = ObjectWatch(kubectl, "pods", clock, self._changed, reconnect_s=reconnect_s)

    @property
    def reconnects(self) -> int:
        return self._watch.reconnects

    def start(self) -> None:
        self._watch.start()

    def stop(self) -> None:
        self._watch.stop()

    def pods(self) -> tuple[Pod, ...] | None:
        """The pods now, or None while the watch is not in step (the caller lists them itself)."""
        found = self._watch.objects()
        return None if found is None else pod_states(found)

    def timeline(self, since: float) -> tuple[PodsAt, ...]:
        with self._lock:
            return tuple(p for p in self._timeline if p.t >= since)

    def _changed(self, t: float, pods: tuple[dict[str, Any], ...]) -> None:
        with self._lock:
            self._timeline.append(PodsAt(round(t, 2), pod_states(pods)))
