"""Edge: write the drill's deliverables into the outputs folder (also after Ctrl-C: what was measured so far)."""

from __future__ import annotations

from pathlib import Path

from ca3cli.edges import files
from ca3cli.operations.chaos import plot, podtext, report
from ca3cli.operations.chaos.model import Drill, to_json
from ca3cli.operations.chaos.recovery import Result, analyse

FOLDER = Path("outputs")
REPORT = "resilience-report.md"
PICTURE = "recovery-timeline.png"
JOURNAL = "chaos-journal.json"
PODS = "pod-recovery.txt"


def save(folder: Path, drill: Drill) -> tuple[list[Result], list[Path]]:
    """The results and the files written: report, picture, journal, pods at the moments that matter."""
    results = [analyse(run) for run in drill.runs]
    files.write(folder, REPORT, report.markdown(drill, results))
    files.write(folder, JOURNAL, to_json(drill))
    files.write(folder, PICTURE, plot.png(drill))
    files.write(folder, PODS, podtext.text(drill))
    return results, [folder / REPORT, folder / PICTURE, folder / JOURNAL, folder / PODS]
