"""The experiments as data: which exist, what each does to which tier, and how a name is chosen on the command line.

One row per experiment: (the kind of fault, the registry component it hits). The kinds are the strategies in
ca3cli/operations/chaos/actions/; tiers are named in experiments by their pods' `app` label and main container as
the rendered manifests give them (ca3cli/core/topology.py), so renaming a label in a template renames the drill's
target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ca3cli.core.errors import ConfigError
from ca3cli.operations.chaos import actions
from ca3cli.operations.chaos.model import Cast, Experiment

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology

# Registry components, in the order a drill fails them.
TIER_COMPONENTS = ("producer", "processor", "kafka", "influxdb", "grafana", "prometheus", "logging")
DATA_PATH = ("producer", "processor", "kafka", "influxdb")  # the tiers a reading passes through
DRAINED = "processor"  # whose node a drain takes
# Seed milestone 9's drill: delete the producer, the processor and the Kafka pod; `ca3 chaos` runs these by default.
SEED = ("producer", "processor", "kafka")
ROWS: tuple[tuple[str, str], ...] = (
    *(("delete-pod", c) for c in TIER_COMPONENTS),
    # Main processes only where PID 1 handles SIGTERM (see actions/kill_main.py).
    ("kill-main", "producer"), ("kill-main", "processor"),
    ("cut-off", "processor"), ("cut-off", "kafka"), ("cut-off", "influxdb"),
    ("drain-node", DRAINED),
    # A broker and its volume; run where Kafka has three brokers (skipped with the reason elsewhere).
    ("lose-volume", "kafka"),
)


def default_names() -> Topology:
    """The highest milestone rendered with default settings: the labels do not depend on ca3.yaml."""
    from ca3cli.core import registry, topology
    from ca3cli.core.settings import Settings

    return topology.of_milestone(Settings(), registry.HIGHEST)


def cast(names: Topology | None = None) -> Cast:
    """The labels of the tiers `names` renders (a lower milestone has fewer: no Prometheus before 2)."""
    found = names or default_names()
    return Cast(tuple(found.app(c) for c in TIER_COMPONENTS if found.has(c)),
                tuple(found.app(c) for c in DATA_PATH if found.has(c)), found.app(DRAINED))


def experiments(names: Topology | None = None) -> tuple[Experiment, ...]:
    """Every experiment on the tiers `names` renders (by default `default_names()`), in the order a drill runs
    them."""
    names = names or default_names()
    return tuple(actions.ACTIONS[kind].experiment(names, component) for kind, component in ROWS
                 if names.has(component))


def introduced(component: str) -> int:
    """The milestone that adds `component` to the stack."""
    from ca3cli.core import registry

    return next(m.number for m in registry.MILESTONES.values() if component in m.components)


def at_milestone(chosen: Sequence[Experiment], names: Topology, milestone: int
                 ) -> tuple[tuple[Experiment, ...], dict[str, str]]:
    """(the chosen experiments as milestone `milestone` renders them, why each other one cannot run there)."""
    here = {e.name: e for e in experiments(names)}
    return tuple(here.get(e.name, e) for e in chosen), {e.name: _absent(e, milestone) for e in chosen
                                                        if e.name not in here}


def _absent(exp: Experiment, milestone: int) -> str:
    needed = introduced(exp.component)
    if needed <= milestone:
        return f"{exp.tier} is switched off in ca3.yaml, so milestone {milestone} does not deploy it."
    return (f"It needs milestone {needed}, which adds {exp.tier}; milestone {milestone} is deployed "
            f"(`ca3 deploy -m {needed}` adds it).")


def select(chosen_names: Sequence[str], names: Topology | None = None) -> tuple[Experiment, ...]:
    """The experiments named (all when none), in catalogue order; an unknown name is a ConfigError listing them."""
    catalogue = experiments(names)
    known = {e.name: e for e in catalogue}
    unknown = [n for n in chosen_names if n not in known]
    if unknown:
        raise ConfigError(f"Unknown experiment {', '.join(unknown)}. Run `ca3 chaos --list` for the names.")
    chosen = set(chosen_names)
    return tuple(e for e in catalogue if not chosen or e.name in chosen)


def seed_drills(names: Topology | None = None) -> tuple[Experiment, ...]:
    """The seed's three pod deletions, in catalogue order: what `ca3 chaos` runs when no experiment is named."""
    names = names or default_names()
    return select([f"delete-pod-{names.app(c)}" for c in SEED], names)
