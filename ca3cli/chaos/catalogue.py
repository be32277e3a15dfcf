"""The experiments as data: which exist, what each does to which tier, and how a name is chosen on the command line.

Tiers are the pods' `app` labels the templates give. A main process is killed only where its image lets us do it
cleanly: the producer and processor run Python as PID 1 with a SIGTERM handler. Inside its own PID namespace, PID 1
receives only the signals it handles (SIGKILL from within is dropped), so SIGTERM through `python -c` (neither a
shell nor `kill` is needed in the image) makes the app exit and the kubelet restart the container in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from ca3cli.chaos.model import Experiment
from ca3cli.errors import ConfigError

TIERS = ("producer", "processor", "kafka", "influxdb", "grafana", "prometheus", "loki")
DATA_PATH = ("producer", "processor", "kafka", "influxdb")  # the tiers a reading passes through
KILLABLE = {"producer": "producer", "processor": "processor"}  # tier -> container whose PID 1 handles SIGTERM
KILL_MAIN = ("python", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")
CUT_OFF_TIERS = ("processor", "kafka", "influxdb")
CUT_HOLD_S = 20.0


def experiments() -> tuple[Experiment, ...]:
    """Every experiment, in the order a drill runs them."""
    found = [Experiment(f"delete-pod-{t}", "delete-pod", t, f"delete one {t} pod; its controller must replace it")
             for t in TIERS]
    found += [Experiment(f"kill-main-{t}", "kill-main", t,
                         f"SIGTERM to PID 1 of the {c} container; the kubelet restarts it in place")
              for t, c in KILLABLE.items()]
    found += [Experiment(f"cut-off-{t}", "cut-off", t,
                         f"remove {t}'s allow NetworkPolicies for {CUT_HOLD_S:.0f} s (default deny cuts it off), "
                         "then restore them", hold_s=CUT_HOLD_S) for t in CUT_OFF_TIERS]
    found.append(Experiment("drain-node", "drain-node", "", "drain the processor's node (when there is more than "
                            "one), then uncordon it"))
    return tuple(found)


def select(names: Sequence[str]) -> tuple[Experiment, ...]:
    """The experiments named (all when none), in catalogue order; an unknown name is a ConfigError listing them."""
    known = {e.name: e for e in experiments()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"Unknown experiment {', '.join(unknown)}. Run `ca3 chaos --list` for the names.")
    chosen = set(names)
    return tuple(e for e in experiments() if not chosen or e.name in chosen)


def plan(exp: Experiment) -> tuple[str, str]:
    """(what the experiment does, how it is undone), as kubectl commands, for `--dry-run` and the docs."""
    if exp.action == "delete-pod":
        return (f"kubectl delete pod <the first Ready app={exp.tier} pod> --wait=false",
                "nothing to undo: its Deployment or StatefulSet creates the replacement")
    if exp.action == "kill-main":
        return (f"kubectl exec <the first Ready app={exp.tier} pod> -c {KILLABLE[exp.tier]} -- {' '.join(KILL_MAIN)}",
                "nothing to undo: the kubelet restarts the container in place")
    if exp.action == "cut-off":
        return (f"kubectl delete networkpolicy <the allow policies selecting app={exp.tier}> (saved first)",
                f"kubectl apply --server-side of the saved policies after {exp.hold_s:.0f} s, or at once on a "
                "failure or Ctrl-C")
    return ("kubectl drain <the processor's node> --ignore-daemonsets --delete-emptydir-data --timeout=120s",
            "kubectl uncordon <that node>, also when the drain fails or is interrupted")
