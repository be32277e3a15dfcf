"""Edge: write the load test's deliverables into the outputs folder, and read back the last recorded timeline."""

from __future__ import annotations

from pathlib import Path

from ca3cli.edges import files
from ca3cli.edges.recording import picture
from ca3cli.edges.recording.video import VideoError
from ca3cli.operations.loadtest import plot, report
from ca3cli.operations.loadtest.analysis import Analysis
from ca3cli.operations.loadtest.model import HPA_WATCH, Timeline, from_json, to_json

EVENTS = "hpa-scaling-events.txt"
PICTURE = "hpa-scaling.png"
RESULTS = "scaling-test-results.md"
SAMPLES = "hpa-scaling-samples.json"
WATCH = "hpa-watch.txt"  # `kubectl get hpa --watch` as it printed during the test
WATCH_PICTURE = "hpa-watch.png"  # the same, drawn as the terminal showed it


def save(folder: Path, timeline: Timeline, analysis: Analysis) -> list[Path]:
    """Every deliverable; the picture only when there are samples to draw."""
    written = {SAMPLES: to_json(timeline), EVENTS: report.events_text(timeline),
               RESULTS: report.results_markdown(timeline, analysis)}
    paths = []
    for name, text in written.items():
        paths.append(files.write(folder, name, text))
    if timeline.samples:
        paths.append(files.write(folder, PICTURE, plot.png(timeline)))
    if timeline.hpa_watch:
        lines = [f"$ kubectl -n {timeline.namespace} {' '.join(HPA_WATCH)}", *timeline.hpa_watch.splitlines()]
        note = []
        try:
            paths.append(files.write(folder, WATCH_PICTURE, picture.png(lines)))
        except VideoError as exc:
            note = ["", f"(The picture {WATCH_PICTURE} was not drawn: {exc})"]
        paths.append(files.write(folder, WATCH, "\n".join(lines + note) + "\n"))
    return paths


def last(folder: Path) -> Timeline | None:
    """The timeline the last load test wrote, or None when there is none; a damaged file raises ValueError."""
    path = folder / SAMPLES
    if not path.exists():
        return None
    try:
        return from_json(path.read_text())
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a load test timeline ({exc})") from exc
