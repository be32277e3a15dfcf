"""outputs/operator-procedures.md: every procedure of a milestone as Markdown, written from what ca3 renders.

Rendering uses placeholder secrets, so no secret value can reach the document; it names objects only.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ca3cli.core import dashboards, registry, render, template_values
from ca3cli.core.render import Manifest
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.edges import files
from ca3cli.operations.procedures import incidents, tiers
from ca3cli.operations.procedures.inventory import TIERS, inventory
from ca3cli.operations.procedures.model import Facts, Procedure, Step

OUTPUT = Path("outputs", "operator-procedures.md")


def facts(settings: Settings, milestone: int, manifests: Iterable[Manifest]) -> Facts:
    features = registry.features(settings, registry.check_milestone(milestone))
    names = Topology.of_manifests(manifests)
    return Facts(settings, milestone, features, inventory(settings.namespace, names),
                 tuple(dashboards.dashboards(settings, features)),
                 tuple(c.id for c in registry.criteria_for(milestone)), names)


def procedures(f: Facts) -> list[Procedure]:
    """The failures an operator may face at this milestone, tier by tier first, in the order of TIERS."""
    present = [f.inventory.workloads[tier] for tier in TIERS if tier in f.inventory.workloads]
    found: list[Procedure | None] = [tiers.pod_lost(f, w) for w in present]
    found += [tiers.crash_loop(f, present), incidents.network_cut(f), incidents.node_lost(f), incidents.broker_loss(f),
              incidents.database_outage(f), incidents.consumer_lag(f), incidents.certificates(f)]
    return [p for p in found if p is not None]


def _steps(items: Iterable[Step]) -> list[str]:
    lines = []
    for step in items:
        lines += [f"- {step.why}", "", "  ```sh", *(f"  {line}" for line in step.command.splitlines()), "  ```", ""]
    return lines


def _code(language: str, queries: Iterable[str]) -> list[str]:
    return [f"```{language}", *queries, "```", ""]


def _alerts(f: Facts, p: Procedure) -> list[str]:
    if not f.features["prometheus"]:
        return ["**Alerts:** none yet: Prometheus arrives with milestone 2.", ""]
    if not p.alerts:
        return ["**Alerts:** no alert rule ca3 renders covers this failure; watch the panels below.", ""]
    return ["**Alerts:**", "", *(f"- `{a.name}`{f': {a.summary}' if a.summary else ''}" for a in p.alerts), ""]


def _procedure(f: Facts, p: Procedure) -> list[str]:
    lines = [f"## {p.title}", "", "**What you see:**", "", *(f"- {s}" for s in p.symptoms), "", *_alerts(f, p)]
    if p.panels:
        lines += ["**Grafana panels:**", "", *(f"- {panel}" for panel in p.panels), ""]
    if p.logql:
        lines += ["**Loki (Grafana Explore, Loki datasource):**", "", *_code("logql", p.logql)]
    if p.promql:
        lines += ["**Prometheus (Grafana Explore, Prometheus datasource):**", "", *_code("promql", p.promql)]
    return [*lines, "### Diagnose", "", *_steps(p.diagnose), "### Recover", "", *_steps(p.recover)]


def _alert_index(f: Facts, found: list[Procedure]) -> list[str]:
    """Every alert rule rendered at this milestone, with the procedures that cover it (none: say so)."""
    if not f.features["prometheus"]:
        return []
    lines = ["## Alert rules", ""]
    if not f.inventory.alerts:
        return [*lines, "The Prometheus configuration ca3 renders at this milestone defines no alert rules.", ""]
    lines += ["| Alert | Expression | Procedures |", "| --- | --- | --- |"]
    for alert in f.inventory.alerts:
        covering = ", ".join(f"[{p.title}](#{p.key})" for p in found if alert in p.alerts) or "see the expression"
        lines.append(f"| `{alert.name}` | `{alert.expr.replace('|', '&#124;')}` | {covering} |")
    return [*lines, ""]


def render_operator_procedures(settings: Settings, *, milestone: int = registry.HIGHEST) -> str:
    """The Markdown document for `settings` at `milestone` (pure: renders the manifests in memory, with placeholder
    secrets)."""
    return document(settings, milestone, render.render(settings, template_values.placeholders(), milestone))


def document(settings: Settings, milestone: int, manifests: Iterable[Manifest]) -> str:
    """The Markdown document from already rendered manifests."""
    f = facts(settings, milestone, manifests)
    found = procedures(f)
    lines = [
        "# Operator procedures", "",
        f"What to look at and what to run when the pipeline fails, for {registry.span(milestone)} in namespace "
        f"`{settings.namespace}`. Written by ca3 from the manifests it renders and the dashboards it provisions; "
        "regenerate it after changing ca3.yaml rather than editing it.", "",
        "Start with `ca3 status` (every workload at a glance) and `ca3 validate` (what is broken, by check).", "",
        *(f"- [{p.title}](#{p.key})" for p in found), "",
    ]
    for p in found:
        lines += [f'<a id="{p.key}"></a>', "", *_procedure(f, p)]
    return "\n".join([*lines, *_alert_index(f, found)]).rstrip() + "\n"


def write_operator_procedures(settings: Settings, root: Path, *, milestone: int = registry.HIGHEST) -> Path:
    """Write `root/outputs/operator-procedures.md` and return its path."""
    return files.write(root, OUTPUT, render_operator_procedures(settings, milestone=milestone))
