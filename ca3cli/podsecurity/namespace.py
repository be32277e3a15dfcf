"""Which Pod Security level the namespace enforces: the strictest one every selected component's pods pass.

Pod Security admission works per namespace (exemptions exist only in the API server's own configuration, which ca3
cannot set), so one component that needs more than `restricted` loosens `enforce` for the whole namespace. `audit`
and `warn` stay `restricted` regardless, so every other pod is still measured against it by the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ca3cli.podsecurity.rules import LEVELS, VERSION, rank

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
EXCEPTION_ANNOTATION = "ca3.dev/pod-security-exception"  # why `enforce` is looser than restricted, when it is


@dataclass(frozen=True)
class Need:
    """A component whose pods pass no level stricter than `level`, and why (tests hold it to its rendered pods)."""

    level: str
    reason: str


# Every component not named here passes `restricted`; tests/core/test_pod_security.py proves both directions.
NEEDS: dict[str, Need] = {
    "promtail": Need("privileged", "Promtail reads the kubelet's log files through a hostPath volume (/var/log/pods) "
                     "as root (runAsUser 0), which baseline and restricted forbid; set observability.log_agent: alloy "
                     "in ca3.yaml to enforce restricted"),
}


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


def policy(components: Iterable[str]) -> Policy:
    """The policy for a namespace running these components (names as in the registry)."""
    needs = [NEEDS[name] for name in components if name in NEEDS]
    level = min((need.level for need in needs), key=rank, default=LEVELS[-1])
    return Policy(level, tuple(need.reason for need in needs))
