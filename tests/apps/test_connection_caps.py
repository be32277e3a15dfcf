"""Which connections the HTTP server closes to keep its caps (conveyor_common.http.to_close), as a pure function:
only idle ones, least recently active first; past a client's own cap whatever their age, past the listener's cap
only those older than the grace period."""

from __future__ import annotations

import pytest
from conveyor_common.http import Connection, to_close

NOW = 1000.0


def conn(key: str, client: str = "10.0.0.1", busy: bool = False, age: float = 10.0,
         idle_for: float = 5.0) -> Connection:
    return Connection(key, client, busy, NOW - age, NOW - idle_for)


@pytest.mark.parametrize("connections, max_connections, per_client, closed", [
    # Within both caps: nothing is closed.
    ([conn("a"), conn("b")], 10, 2, []),
    # One client over its cap: its least recently active idle connections go, whatever their age.
    ([conn("old", idle_for=9), conn("new", age=0.1, idle_for=0.1), conn("mid", idle_for=5)], 10, 1, ["old", "mid"]),
    # A busy connection is never closed; the client's idle one goes instead, though more recently active.
    ([conn("busy", busy=True, idle_for=9), conn("idle", idle_for=1)], 10, 1, ["idle"]),
    # A client whose connections are all busy keeps them (they are bounded by the queue, not by closing).
    ([conn("a", busy=True), conn("b", busy=True)], 10, 1, []),
    # Other clients are not touched for one client's excess.
    ([conn("x1", "10.0.0.1", idle_for=9), conn("x2", "10.0.0.1", idle_for=1), conn("y", "10.0.0.2", idle_for=20)],
     10, 1, ["x1"]),
    # Over the listener's cap: the least recently active idle connections of anyone, down to the cap.
    ([conn("a", "1", idle_for=3), conn("b", "2", idle_for=8), conn("c", "3", idle_for=1), conn("d", "4", idle_for=5)],
     2, 5, ["b", "d"]),
    # ... but never one younger than the grace period: its request may still be on its way.
    ([conn("young", "1", age=0.5, idle_for=0.5), conn("b", "2", idle_for=0.2), conn("c", "3", busy=True)],
     1, 5, ["b"]),
    # Connections closed for a client's cap count towards the listener's cap.
    ([conn("a1", "1", idle_for=9), conn("a2", "1", idle_for=8), conn("b", "2", idle_for=1)], 2, 1, ["a1"]),
])
def test_to_close(connections: list[Connection], max_connections: int, per_client: int, closed: list[str]) -> None:
    assert to_close(connections, NOW, max_connections, per_client, grace_s=1.0) == closed
