"""The experiments as data: which exist, what each does to which tier, and how a name is chosen on the command line.

Tiers are registry components, named in experiments by their pods' `app` label and main container as the rendered
manifests give them (ca3cli/core/topology.py), so renaming a label in a template renames the drill's target. A main
process is killed only where its image lets us do it cleanly: the producer and processor run Python as PID 1 with a
SIGTERM handler. Inside its own PID namespace, PID 1 receives only the signals it handles (SIGKILL from within is
dropped), so SIGTERM through `python -c` (neither a shell nor `kill` is needed in the image) makes the app exit and
the kubelet restart the container in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ca3cli.core.errors import ConfigError
from ca3cli.operations.chaos.model import Experiment

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology

# Registry components, in the order a drill fails them.
TIER_COMPONENTS = ("producer", "processor", "kafka", "influxdb", "grafana", "prometheus", "logging")
DATA_PATH = ("producer", "processor", "kafka", "influxdb")  # the tiers a reading passes through
KILLABLE = ("producer", "processor")  # whose main container's PID 1 handles SIGTERM
CUT_OFF = ("processor", "kafka", "influxdb")
PRODUCER, DRAINED = "producer", "processor"  # whose pods' seq restarts at 0; whose node a drain takes
KILL_MAIN = ("python", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")
CUT_HOLD_S = 20.0


@dataclass(frozen=True)
class Cast:
    """The tiers' `app` labels as the drill watches them: every tier, those a reading passes through, the
    producer's, and the tier whose node a drain takes."""

    tiers: tuple[str, ...]
    data_path: tuple[str, ...]
    producer: str
    drained: str


def default_names() -> Topology:
    """The highest milestone rendered with default settings: the labels do not depend on ca3.yaml."""
    from ca3cli.core import registry, topology
    from ca3cli.core.settings import Settings

    return topology.of_milestone(Settings(), registry.HIGHEST)


def cast(names: Topology | None = None) -> Cast:
    """The labels of the tiers `names` renders (a lower milestone has fewer: no Prometheus before 2)."""
    found = names or default_names()
    return Cast(tuple(found.app(c) for c in TIER_COMPONENTS if found.has(c)),
                tuple(found.app(c) for c in DATA_PATH if found.has(c)), found.app(PRODUCER), found.app(DRAINED))


def main_container(names: Topology, component: str) -> str:
    """The first container of the component's pods: the one running its main process."""
    return str(names.workload_object(component)["spec"]["template"]["spec"]["containers"][0]["name"])


def experiments(names: Topology | None = None) -> tuple[Experiment, ...]:
    """Every experiment on the tiers `names` renders (by default `default_names()`), in the order a drill runs
    them."""
    names = names or default_names()
    app = {c: names.app(c) for c in TIER_COMPONENTS if names.has(c)}
    found = [Experiment(f"delete-pod-{t}", "delete-pod", t, f"delete one {t} pod; its controller must replace it",
                        component=c) for c, t in app.items()]
    found += [Experiment(f"kill-main-{app[c]}", "kill-main", app[c],
                         f"SIGTERM to PID 1 of the {main_container(names, c)} container; the kubelet restarts it in "
                         "place", container=main_container(names, c), component=c)
              for c in KILLABLE if c in app]
    found += [Experiment(f"cut-off-{app[c]}", "cut-off", app[c],
                         f"remove {app[c]}'s allow NetworkPolicies for {CUT_HOLD_S:.0f} s (default deny cuts it "
                         "off), then restore them", hold_s=CUT_HOLD_S, component=c) for c in CUT_OFF if c in app]
    found.append(Experiment("drain-node", "drain-node", "", "drain the processor's node (when there is more than "
                            "one), then uncordon it"))
    return tuple(found)


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


def plan(exp: Experiment) -> tuple[str, str]:
    """(what the experiment does, how it is undone), as kubectl commands, for `--dry-run` and the docs."""
    if exp.action == "delete-pod":
        return (f"kubectl delete pod <the first Ready app={exp.tier} pod> --wait=false",
                "nothing to undo: its Deployment or StatefulSet creates the replacement")
    if exp.action == "kill-main":
        return (f"kubectl exec <the first Ready app={exp.tier} pod> -c {exp.container} -- {' '.join(KILL_MAIN)}",
                "nothing to undo: the kubelet restarts the container in place")
    if exp.action == "cut-off":
        return (f"kubectl delete networkpolicy <the allow policies selecting app={exp.tier}> (saved first)",
                f"kubectl apply --server-side of the saved policies after {exp.hold_s:.0f} s, or at once on a "
                "failure or Ctrl-C")
    return ("kubectl drain <the processor's node> --ignore-daemonsets --delete-emptydir-data --timeout=120s",
            "kubectl uncordon <that node>, also when the drain fails or is interrupted")
