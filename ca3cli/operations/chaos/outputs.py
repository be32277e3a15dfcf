"""Edge: write the drill's deliverables into the outputs folder (also after Ctrl-C: what was measured so far)."""

from __future__ import annotations

from pathlib import Path

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
    folder.mkdir(parents=True, exist_ok=True)
    results = [analyse(run) for run in drill.runs]
    (folder / REPORT).write_text(report.markdown(drill, results))
    (folder / JOURNAL).write_text(to_json(drill))
    (folder / PICTURE).write_bytes(plot.png(drill))
    (folder / PODS).write_text(podtext.text(drill))
    return results, [folder / REPORT, folder / PICTURE, folder / JOURNAL, folder / PODS]
