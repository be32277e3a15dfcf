"""The objects a deploy waits for, followed by watch once a look found them not Current yet, so their readiness is
judged from each change as its event arrives (edges/objectwatch.py) rather than from a poll every few seconds.

One watch per kind (kubectl watches one kind at a time); while a kind's watch is not in step (starting, reconnecting,
or refused), its objects are polled as before. The pods, claims and events that tell a final cause are still read
by poll while an object is not Current: they are only needed then, and the poll is what shows their state now.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, cast

from ca3cli.core.blockers import Observation
from ca3cli.core.kubeobjects import Workload
from ca3cli.core.readiness import Reading
from ca3cli.edges import outage
from ca3cli.edges.kube import Kubectl
from ca3cli.edges.objectwatch import ObjectWatch
from ca3cli.operations import diagnose

Look = Callable[[], tuple[Observation, Reading]]


def kind_of(resource: str) -> str:
    return resource.partition("/")[0]


class Watched:
    """`follow(kinds)` starts a watch per kind not yet watched; `look(resource)` is the next look at one object;
    `pause(seconds)` ends early when a watched object changes; `stop()` ends every watch."""

    def __init__(self, kubectl: Kubectl, clock: outage.Clock) -> None:
        self.kubectl, self.clock = kubectl, clock
        self.watches: dict[str, ObjectWatch] = {}
        self.changed = threading.Event()

    def follow(self, kinds: Iterable[str]) -> None:
        for kind in sorted(set(kinds) - set(self.watches)):
            self.watches[kind] = ObjectWatch(self.kubectl, kind, self.clock.monotonic, self._changed).start()

    def _changed(self, t: float, objects: tuple[dict[str, Any], ...]) -> None:
        self.changed.set()

    def look(self, resource: str) -> Look:
        """The watched object (absent: not created yet) with what a poll adds to it, or a whole poll while its
        kind's watch is not in step."""
        kind, _, name = resource.partition("/")
        watch = self.watches.get(kind)
        found = watch.objects() if watch is not None else None
        if found is None:
            return partial(diagnose.observe, self.kubectl, resource)
        obj = next((o for o in found if (o.get("metadata") or {}).get("name") == name), None)
        return partial(diagnose.around, self.kubectl, resource, cast(Workload | None, obj))  # as `get -o json` has it

    def pause(self, seconds: float) -> None:
        """Until the next look: `seconds`, or less when a watched object changed meanwhile."""
        if not self.watches:
            self.clock.sleep(seconds)
            return
        self.changed.wait(seconds)
        self.changed.clear()

    def stop(self) -> None:
        for watch in self.watches.values():
            watch.stop()
