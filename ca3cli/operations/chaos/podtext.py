"""outputs/pod-recovery.txt and its pictures: for each injected experiment, kubectl's own output of `kubectl get pods`
just before the fault, of `kubectl get pods -w` while the pod came back, and of `kubectl get pods` after recovery
(the seed's "screenshots of pod recovery in kubectl get pods output"), exactly as the operator's terminal showed it.
Pure: text from the Screens a Drill keeps."""

from __future__ import annotations

from ca3cli.operations.chaos.model import Drill, Run, Screen

# The moments shown, in order, with what each is.
MOMENTS = {"before": "before the fault", "during": "while it came back (stopped once recovered)",
           "after": "after recovery"}


def session(screens: list[Screen]) -> list[str]:
    """Screens as the terminal showed them: the prompt and command, kubectl's answer below it."""
    lines: list[str] = []
    for screen in screens:
        lines += [f"$ {screen.command}    # {MOMENTS[screen.moment]}, {screen.at}", *screen.output.splitlines(), ""]
    return lines


def recovery_screens(drill: Drill, run: Run) -> list[Screen]:
    return [s for s in drill.screens if s.experiment == run.experiment.name and s.moment in MOMENTS]


def blocks(drill: Drill) -> list[tuple[Run, list[str]]]:
    """Per injected experiment that kept the pods' screens: its terminal lines, before, during, after."""
    found = []
    for run in drill.runs:
        screens = recovery_screens(drill, run)
        if run.fault.injected_at is not None and screens:
            found.append((run, session(screens)))
    return found


def heading(run: Run) -> str:
    return f"== {run.experiment.name}: {run.experiment.summary} (victim {run.fault.victim or '-'})"


def text(drill: Drill) -> str:
    lines = [f"Pods during the resilience drill ({drill.started_at}, namespace {drill.namespace})", ""]
    for run, shown in blocks(drill):
        lines += [heading(run), "", *shown]
    return "\n".join(lines) + "\n"
