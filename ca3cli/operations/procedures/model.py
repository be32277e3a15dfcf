"""A procedure is what the operator sees, how to find the cause and how to recover; `Facts` is what they are built
from: the settings, the milestone's features, the rendered objects and the dashboards it provisions."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ca3cli.core.dashboards.model import Dashboard
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.operations.procedures.inventory import Alert, Inventory, Workload

# A word with a part for the operator to fill in, e.g. `<node>` or `spec.nodeName=<node>`.
PLACEHOLDER = re.compile(r"[\w.=-]*<[a-z]+>")


@dataclass(frozen=True)
class Step:
    """One command and why to run it."""

    command: str
    why: str


@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    symptoms: tuple[str, ...]
    alerts: tuple[Alert, ...]
    panels: tuple[str, ...]  # "Dashboard / Panel"
    logql: tuple[str, ...]
    diagnose: tuple[Step, ...]
    recover: tuple[Step, ...]
    promql: tuple[str, ...] = ()  # to paste into Prometheus or Grafana Explore


@dataclass(frozen=True)
class Facts:
    settings: Settings
    milestone: int
    features: Mapping[str, bool]
    inventory: Inventory
    dashboards: tuple[Dashboard, ...]
    criteria: tuple[str, ...]  # ids of `ca3 validate` checks at this milestone
    names: Topology  # Services, ports, workloads and Secrets, as ca3cli/core/topology.py reads them from the manifests

    def kubectl(self, *args: str) -> str:
        """A kubectl command line in the pipeline's namespace, every word shell-quoted but the `<node>`-style
        placeholders the operator fills in."""
        words = ["kubectl", "-n", self.inventory.namespace, *args]
        return " ".join(word if PLACEHOLDER.fullmatch(word) else shlex.quote(word) for word in words)

    def validate(self, *ids: str, why: str = "Confirm the pipeline passes these checks again.") -> Step | None:
        """`ca3 validate` of the given checks that exist at this milestone, or None when none does."""
        known = [check for check in ids if check in self.criteria]
        if not known:
            return None
        return Step(f"ca3 validate -m {self.milestone} --only {','.join(known)}", why)

    def panels(self, *needles: str, datasource: str = "") -> tuple[str, ...]:
        """Panels whose queries mention any needle (metric names), or whose datasource type is `datasource`."""
        return tuple(
            f"{board.title} / {panel.title}" for board in self.dashboards for panel in board.panels
            if (datasource and panel.datasource["type"] == datasource)
            or any(needle in query.expr for query in panel.queries for needle in needles)
        )

    def alerts(self, *needles: str) -> tuple[Alert, ...]:
        """Alert rules whose name, expression or labels mention any needle (case-insensitive)."""
        lowered = [needle.lower() for needle in needles]
        return tuple(alert for alert in self.inventory.alerts if any(
            needle in " ".join((alert.name, alert.expr, *alert.labels.values())).lower() for needle in lowered))

    def logql(self, workload: Workload, pattern: str = "") -> str:
        """A Loki query for a workload's lines (the log agent copies the pods' `app` label), optionally filtered."""
        stream = f'{{namespace="{self.inventory.namespace}", app="{workload.app}"}}'
        return f'{stream} |~ "{pattern}"' if pattern else stream


def steps(*items: Step | Iterable[Step] | None) -> tuple[Step, ...]:
    """Flatten steps, leaving out the ones that do not apply at this milestone (None)."""
    out: list[Step] = []
    for item in items:
        if isinstance(item, Step):
            out.append(item)
        elif item is not None:
            out.extend(item)
    return tuple(out)
