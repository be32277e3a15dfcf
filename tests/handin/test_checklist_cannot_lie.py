"""A file that is there is not yet evidence: each false case the seed's grader would catch is planted here, and the
checklist must refuse it (MISSING with the reason, or BY HAND where no program can tell), while the true case next
to it turns PRESENT."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ca3cli.core import registry
from ca3cli.core.settings import Settings
from ca3cli.operations.certs import store
from ca3cli.operations.certs.summary import write_tls_summary
from ca3cli.operations.chaos import podtext
from ca3cli.operations.chaos.catalogue import select
from ca3cli.operations.chaos.model import Drill, Fault, Run, Screen, to_json
from ca3cli.operations.handin import build, checklist, deliverables, proofs, submission
from ca3cli.operations.handin.checklist import State
from ca3cli.operations.handin.scan import Scanned
from tests.chaos import answers as a
from tests.chaos import terminal
from tests.chaos.timelines import NEW, OLD, delete_run, readings
from tests.handin.test_planted_evidence import _png

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def row(files: dict[str, bytes], path: str, milestone: int = registry.HIGHEST) -> checklist.Line:
    """The checklist row of the deliverable `path` when the submission holds exactly `files`."""
    rows = deliverables.deliverables(Settings(), milestone, submission.makers(milestone, Path(".")))
    found = dict.fromkeys(files, NOW)
    judged = {name: proofs.judge(name, files.get) for name in files}
    lines = checklist.lines(rows, deliverables.criteria(milestone), found, {}, judged)
    return next(line for line in lines if line.path == path and line.kind == "deliverable")


def criterion(files: dict[str, bytes], text: str) -> checklist.Line:
    rows = deliverables.deliverables(Settings(), registry.HIGHEST, submission.makers(registry.HIGHEST, Path(".")))
    judged = {name: proofs.judge(name, files.get) for name in files}
    lines = checklist.lines(rows, deliverables.criteria(registry.HIGHEST), dict.fromkeys(files, NOW), {}, judged)
    return next(line for line in lines if line.text == text)


# --- TLS summary ---------------------------------------------------------------------------------------------------


def test_a_tls_summary_that_lists_missing_certificates_is_refused(tmp_path: Path) -> None:
    path = write_tls_summary(Settings(), tmp_path)  # no certificates issued in tmp_path
    assert "Missing:" in path.read_text()
    line = row({"outputs/tls-config-summary.md": path.read_bytes()}, "outputs/tls-config-summary.md")
    assert line.state is State.MISSING
    assert "certificate(s) ca" in line.todo and "`ca3 certs`" in line.todo


def test_a_tls_summary_of_the_projects_issued_certificates_is_present_in_a_submission_elsewhere(
        tmp_path: Path) -> None:
    store.ensure(tmp_path / ".ca3" / "certs", Settings())
    path = write_tls_summary(Settings(), tmp_path / "submission", project=tmp_path)
    assert path == tmp_path / "submission" / "outputs" / "tls-config-summary.md"
    line = row({"outputs/tls-config-summary.md": path.read_bytes()}, "outputs/tls-config-summary.md")
    assert line.state is State.PRESENT, line.todo


# --- the secret scan -----------------------------------------------------------------------------------------------

SCANNED = "Clean repository with no sensitive data (the secret scan)"
NOTHING_COMMITTED = "No secrets.yaml files committed"


@pytest.mark.parametrize(("scanned", "state", "says"), [
    (Scanned([], 0, 0, 5, in_git=False), State.BY_HAND, "not in a git repository"),
    (Scanned([], 0, 0, 5, in_git=True), State.MISSING, "the scan read no commit"),
    (Scanned([], 40, 3, 5, in_git=True), State.PRESENT, ""),
])
def test_nothing_committed_is_only_proven_by_a_scan_that_read_a_commit(scanned: Scanned, state: State,
                                                                       says: str) -> None:
    files = {"outputs/secret-scan.md": build.scan_report(scanned, 0).encode()}
    for line in (row(files, "outputs/secret-scan.md"), criterion(files, NOTHING_COMMITTED)):
        assert line.state is state, line
        assert says in line.todo


# --- the drill -----------------------------------------------------------------------------------------------------


def recovered_drill() -> Drill:
    """A drill whose producer pod came back, with the operator's `kubectl get pods` before, during and after."""
    stored = readings(OLD, range(100, 120)) + readings(NEW, range(0, 30), start_s=16)
    table = terminal.pods_table(a.recorded_pods(), "producer")
    screens = tuple(Screen("delete-pod-producer", moment, "2026-12-01T08:00:10Z", f"kubectl {command}", table)
                    for moment, command in (("before", "get pods"), ("during", "get pods -w"), ("after", "get pods")))
    return Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 1_796_112_000.0,
                 (delete_run(ready_after=6, flowing_after=8, end=40, stored=stored),), screens=screens)


def not_steady_drill() -> Drill:
    run = Run(select(["delete-pod-producer"])[0], "not-steady", "producer has 0 of 1 pods Ready before the fault.",
              Fault())
    return Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 1_796_112_000.0, (run,))


def drill_files(drill: Drill) -> dict[str, bytes]:
    return {"outputs/chaos-journal.json": to_json(drill).encode(), "outputs/pod-recovery.txt":
            podtext.text(drill).encode(), "outputs/resilience-report.md": b"# Resilience drill\n",
            "outputs/recovery-timeline.png": _png()}


RECOVERY_ROWS = ("outputs/resilience-report.md", "outputs/pod-recovery.txt", "outputs/recovery-timeline.png")


@pytest.mark.parametrize("path", RECOVERY_ROWS)
def test_a_drill_that_never_injected_proves_no_recovery(path: str) -> None:
    files = drill_files(not_steady_drill())
    assert len(files["outputs/pod-recovery.txt"]) < 120, "the short pod-recovery.txt such a drill leaves"
    line = row(files, path)
    assert line.state is State.MISSING
    assert "no experiment of the drill injected its fault (delete-pod-producer not-steady)" in line.todo


@pytest.mark.parametrize("path", RECOVERY_ROWS)
def test_a_drill_that_injected_and_recovered_proves_its_rows(path: str) -> None:
    assert row(drill_files(recovered_drill()), path).state is State.PRESENT


def test_a_pod_recovery_file_without_a_pod_table_is_refused_even_after_a_good_drill() -> None:
    files = {**drill_files(recovered_drill()), "outputs/pod-recovery.txt": b"Pods during the resilience drill\n\n"}
    line = row(files, "outputs/pod-recovery.txt")
    assert line.state is State.MISSING and "no `kubectl get pods` table" in line.todo


def test_recovery_rows_without_the_journal_are_refused() -> None:
    files = drill_files(recovered_drill())
    del files["outputs/chaos-journal.json"]
    assert "outputs/chaos-journal.json, the drill's measurements, is not there" in row(
        files, "outputs/resilience-report.md").todo


# --- pictures ------------------------------------------------------------------------------------------------------

RESULTS = "outputs/scaling-test-results.md"
NAMING = (b"# Load test\n\nThe picture is outputs/hpa-scaling.png; every sample is in "
          b"outputs/hpa-scaling-samples.json.\n")


def test_results_naming_a_picture_that_was_never_drawn_are_refused() -> None:
    line = row({RESULTS: NAMING}, RESULTS, milestone=6)
    assert line.state is State.MISSING
    assert "it names outputs/hpa-scaling.png, which is not there" in line.todo and "ca3 load-test" in line.todo


def test_results_naming_a_picture_that_does_not_decode_are_refused() -> None:
    broken = _png()[:-20] + b"\0" * 20
    line = row({RESULTS: NAMING, "outputs/hpa-scaling.png": broken}, RESULTS, milestone=6)
    assert line.state is State.MISSING and "does not decode" in line.todo
    assert row({RESULTS: NAMING, "outputs/hpa-scaling.png": broken}, "outputs/hpa-scaling.png",
               milestone=6).state is State.MISSING


def test_results_naming_a_picture_that_decodes_are_present() -> None:
    assert row({RESULTS: NAMING, "outputs/hpa-scaling.png": _png()}, RESULTS, milestone=6).state is State.PRESENT


@pytest.mark.parametrize(("data", "error"), [
    (b"GIF89a", "not a PNG"),
    (_png()[:30], "ends before its IEND"),
    (_png().replace(zlib.compress(b"\x00\xff\x00\x00"), zlib.compress(b"\x00\xff")), "damaged"),
])
def test_a_png_that_does_not_decode_says_why(data: bytes, error: str) -> None:
    assert error in proofs.png_error(data)


def test_a_real_matplotlib_picture_decodes() -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(2, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    assert proofs.png_error(buffer.getvalue()) == ""
