"""Edge: write the drill's deliverables into the outputs folder (also after Ctrl-C: what was measured so far)."""

from __future__ import annotations

from pathlib import Path

from ca3cli.edges import files
from ca3cli.edges.recording import picture
from ca3cli.edges.recording.video import VideoError
from ca3cli.operations.chaos import plot, podtext, report
from ca3cli.operations.chaos.model import Drill, to_json
from ca3cli.operations.chaos.recovery import Result, analyse

FOLDER = Path("outputs")
REPORT = "resilience-report.md"
PICTURE = "recovery-timeline.png"
JOURNAL = "chaos-journal.json"
PODS = "pod-recovery.txt"


def pods_picture(experiment: str) -> str:
    """The picture of kubectl's `get pods` before, during and after one experiment's recovery."""
    return f"pod-recovery-{experiment}.png"


def save(folder: Path, drill: Drill) -> tuple[list[Result], list[Path]]:
    """The results and the files written: report, picture, journal, pods at the moments that matter (as text and,
    with the `video` extra, as pictures of the terminal)."""
    results = [analyse(run) for run in drill.runs]
    files.write(folder, REPORT, report.markdown(drill, results))
    files.write(folder, JOURNAL, to_json(drill))
    files.write(folder, PICTURE, plot.png(drill))
    pods = podtext.text(drill)
    written = [folder / REPORT, folder / PICTURE, folder / JOURNAL, folder / PODS]
    try:
        for run, lines in podtext.blocks(drill):
            written.append(files.write(folder, pods_picture(run.experiment.name),
                                       picture.png([podtext.heading(run), "", *lines])))
    except VideoError as exc:
        pods += f"\nThe pictures {pods_picture('EXPERIMENT')} were not drawn: {exc}\n"
    files.write(folder, PODS, pods)
    return results, written
