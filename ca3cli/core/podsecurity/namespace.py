"""Which Pod Security level the namespace enforces: the strictest one every selected component's pods pass.

Pod Security admission works per namespace (exemptions exist only in the API server's own configuration, which ca3
cannot set), so one component that needs more than `restricted` loosens `enforce` for the whole namespace. `audit`
and `warn` stay `restricted` regardless, so every other pod is still measured against it by the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ca3cli.core.podsecurity.rules import LEVELS, VERSION, rank

if TYPE_CHECKING:
    from ca3cli.core.registry import Component

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
EXCEPTION_ANNOTATION = "ca3.dev/pod-security-exception"  # why `enforce` is looser than restricted, when it is


@dataclass(frozen=True)
class Policy:
    """The namespace's Pod Security labels: `enforce` at `level`, `audit` and `warn` at restricted, all pinned."""

    level: str
    reasons: tuple[str, ...] = ()

    def labels(self) -> dict[str, str]:
        """The `pod-security.kubernetes.io/*` labels, each mode with its `-version` pinned to the rules checked."""
        levels = {"enforce": self.level, "audit": LEVELS[-1], "warn": LEVELS[-1]}
        return {key: value for mode in MODES
                for key, value in ((LABEL_PREFIX + mode, levels[mode]), (f"{LABEL_PREFIX}{mode}-version", VERSION))}


def policy(components: Iterable[Component]) -> Policy:
    """The policy for a namespace running these registry components: each states its `pod_security` need, if any
    (tests/core/test_pod_security.py proves every other component's pods pass restricted)."""
    needs = [component.pod_security for component in components if component.pod_security]
    level = min((need.level for need in needs), key=rank, default=LEVELS[-1])
    return Policy(level, tuple(need.reason for need in needs))
