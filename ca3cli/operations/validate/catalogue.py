"""The catalogue: every check, keyed by the registry's criterion ids, and the selection for one run."""

from __future__ import annotations

from collections.abc import Sequence

from ca3cli.core import registry
from ca3cli.core.registry import Criterion
from ca3cli.operations.validate import (
    grafana,
    loki,
    network,
    pipeline,
    podsecurity,
    prometheus,
    scaling,
    tls,
    workloads,
)
from ca3cli.operations.validate.model import Check

CHECKS: dict[str, Check] = {
    check.id: check
    for module in (workloads, podsecurity, pipeline, network, grafana, prometheus, loki, scaling, tls)
    for check in module.CHECKS
}
CRITERIA: dict[str, Criterion] = {criterion.id: criterion for criterion in registry.CRITERIA}


def criterion(check_id: str) -> Criterion:
    """The registry's criterion for a check id."""
    return CRITERIA[check_id]


def select(milestone: int, only: Sequence[str] = ()) -> list[Check]:
    """The checks of milestones 1..`milestone` in registry order, narrowed to `only` (see registry.criteria_for)."""
    return [CHECKS[c.id] for c in registry.criteria_for(milestone, only)]
