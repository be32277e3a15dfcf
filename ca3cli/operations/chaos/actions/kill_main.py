"""SIGTERM to PID 1 of a tier's main container; the kubelet restarts it in place. Nothing to undo.

Only where the image lets us do it cleanly: the producer and processor run Python as PID 1 with a SIGTERM handler.
Inside its own PID namespace, PID 1 receives only the signals it handles (SIGKILL from within is dropped), so SIGTERM
through `python -c` (neither a shell nor `kill` is needed in the image) makes the app exit and the kubelet restart the
container. In Chaos Toolkit the evidence is the container's restart count: above the count a configuration probe read
at the start (a count that could not be read is no number, and kubectl's filter then fails)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ca3cli.operations.chaos.actions.base import (
    PICKED,
    PodAction,
    Toolkit,
    activity,
    is_victim,
    process_probe,
    tier_selector,
)
from ca3cli.operations.chaos.inject import Undo
from ca3cli.operations.chaos.model import Experiment, Fault, Run, Sample

if TYPE_CHECKING:
    from ca3cli.core.topology import Topology
    from ca3cli.edges.kube import Kubectl

KILL_MAIN = ("python", "-c", "import os, signal; os.kill(1, signal.SIGTERM)")
UNDO = "nothing to undo: the kubelet restarts the container in place"
RESTARTS = "ca3_restarts_before"  # the dynamic configuration key holding the restart count at the start


def main_container(names: Topology, component: str) -> str:
    """The first container of the component's pods: the one running its main process."""
    return str(names.workload_object(component)["spec"]["template"]["spec"]["containers"][0]["name"])


class KillMain(PodAction):
    kind = "kill-main"
    undo = UNDO
    verb = "signal"

    def experiment(self, names: Topology, component: str) -> Experiment:
        tier, container = names.app(component), main_container(names, component)
        return Experiment(f"kill-main-{tier}", self.kind, tier, f"SIGTERM to PID 1 of the {container} container; the "
                          "kubelet restarts it in place", container=container, component=component)

    def fault_words(self, exp: Experiment) -> tuple[str, ...]:
        return ("exec", PICKED, "-c", exp.container, "--", *KILL_MAIN)

    def inject(self, kubectl: Kubectl, exp: Experiment, fault: Fault, undo: Undo) -> str:
        """The exec session may end with the container, so its exit code is shown, not judged: the restart count
        tells whether it worked."""
        result = kubectl.run("exec", self.target(exp, fault), "-c", exp.container, "--", *KILL_MAIN, check=False,
                             mutating=True, timeout=30)
        return f"exit {result.returncode}" + (f": {result.stderr.strip()}" if result.stderr.strip() else "")

    def recovered(self, sample: Sample, run: Run) -> bool:
        fault = run.fault
        return any(is_victim(p, fault) and p.ready and p.restarts > fault.restarts_before
                   for p in sample.tier(run.experiment.tier))

    def toolkit(self, exp: Experiment, namespace: str, names: Topology) -> Toolkit:
        status = f'.items[0].status.containerStatuses[?(@.name=="{exp.container}")]'
        before = process_probe(f"restarts of {exp.container} at the start", namespace, "get", "pods", "-l",
                               f"app={exp.tier}", "-o", f"jsonpath={{{status}.restartCount}}")
        restarted = process_probe(f"{exp.container} restarted in place", namespace, "get", "pods", "-l",
                                  f"app={exp.tier}", "-o",
                                  f"jsonpath={{.items[0].status.containerStatuses[?(@.restartCount>${{{RESTARTS}}})]"
                                  ".name}")
        restarted["tolerance"] = {"type": "regex", "pattern": f"^{exp.container}$", "target": "stdout"}
        kill = activity("action", exp.name, "chaosk8s.pod.actions", "exec_in_pods",
                        {"cmd": list(KILL_MAIN), "container_name": exp.container, **tier_selector(exp, namespace)})
        return Toolkit([kill], evidence=[restarted], configuration={RESTARTS: before})


ACTION = KillMain()
