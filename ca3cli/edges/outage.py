"""Reads that ride out a short API server outage: retried with backoff within the caller's own deadline.

Managed control planes restart their API servers on upgrades, and a local one pauses when its machine is busy: a
wait that gave up at the first refused connection would fail a deploy whose objects were applied and would converge
in seconds. Only failures to reach the server count (kubectl's connection texts, or kubectl not finishing); an answer
from the server (NotFound, Forbidden, a refused object) is never retried. Deploy waits, drills and the load test's
samples all read through `ride_out`, with the clock passed in so tests replay a long outage without sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ca3cli.core.errors import (
    CONNECTION_FAILURE,
    Ca3Error,
    ClusterUnreachable,
    KubectlError,
    KubectlTimeout,
    server_unreached,
)
from ca3cli.edges import kube
from ca3cli.edges.portforward import PortForwardError

T = TypeVar("T")

# The API server's own answer that IT could not reach a kubelet (`logs`, `exec`, `port-forward` through a node that
# does not answer): the server answered, so this is not an outage (recordings/logs-deploy-producer.txt).
FROM_SERVER = re.compile(r"^Error from server|error dialing backend")
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 5.0  # short enough that a recovered server is seen within seconds


class Clock(Protocol):
    """Where a wait reads the time and sleeps (the real one, or a test's that moves on when slept)."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class SystemClock:
    """The process's monotonic clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


CLOCK: Clock = SystemClock()  # every wait's clock; tests swap in a fake one


class ApiOutage(ClusterUnreachable):
    """The API server stayed unreachable until the wait's deadline."""


def named(kubectl: kube.Kubectl) -> str:
    """How an outage sentence names the context: the chosen one, or kubectl's current one."""
    return f"`{kubectl.context}`" if kubectl.context else "(kubectl's current context)"


def unreachable_reason(exc: BaseException) -> str | None:
    """kubectl's reason when `exc` means the API server did not answer, else None (a real answer is not retried)."""
    if isinstance(exc, KubectlTimeout):
        return str(exc).split(". ")[0]
    if isinstance(exc, KubectlError):
        text = exc.stderr or exc.stdout
        said = kube.reason(text)
        if server_unreached(text) and not FROM_SERVER.search(said):
            return said
    if isinstance(exc, PortForwardError):  # kubectl port-forward's stderr is inside its sentence
        failure = CONNECTION_FAILURE.search(str(exc))
        if failure and not FROM_SERVER.search(str(exc)):
            return failure.group(0)
    return None


def ride_out(read: Callable[[], T], deadline: float, context: str, again: str,
             notify: Callable[[float], None] = lambda seconds: None, clock: Clock | None = None) -> T:
    """`read()`, retried with backoff while the API server does not answer and `deadline` (on `clock`) is not past.

    `notify(seconds)` is told how long the server has not answered before each retry, for the progress view. An
    outage reaching the deadline raises ApiOutage naming `context` and the fix (`again`: the command to rerun).
    """
    clock = clock or CLOCK
    delay, since = FIRST_DELAY_S, None
    while True:
        try:
            return read()
        except Ca3Error as exc:
            reason = unreachable_reason(exc)
            if reason is None:
                raise
            now = clock.monotonic()
            since = now if since is None else since
            if now >= deadline:
                raise ApiOutage(
                    f"The API server of context {context} did not answer for {now - since:.0f} s, up to the end of "
                    f"this wait (last: {reason}). Check that the cluster is up (`kubectl cluster-info`), then run "
                    f"{again} again: it carries on from what was applied.", context) from exc
            notify(now - since)
            clock.sleep(min(delay, deadline - now))
            delay = min(delay * 2, MAX_DELAY_S)
