"""With the cluster-made outputs in place (planted here as the commands leave them), every row turns PRESENT with
its file and time, the README links each output, and `ca3 handin` passes without --allow-missing."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

from ca3cli.core import registry
from ca3cli.core.settings import Settings
from ca3cli.operations.handin import checklist, deliverables, submission
from tests.handin.conftest import Run
from tests.handin.test_scratch_submission import CLUSTER_MADE, _row

MILESTONE = 6
REPO = Path(__file__).resolve().parents[2]
MILESTONE_9 = {"outputs/resilience-report.md", "outputs/resilience-drill.mp4", "outputs/pod-recovery.txt",
               "outputs/recovery-timeline.png"}
UP_TO_6 = [path for path in CLUSTER_MADE if path not in MILESTONE_9]  # milestone 9's are not asked for at 6


def _png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _validation(passing: bool) -> dict[str, object]:
    results = [{"id": c.id, "milestone": str(c.milestone), "criterion": c.text,
                "status": "PASS" if passing else "FAIL", "evidence": "seen", "seconds": 0.1}
               for c in registry.criteria_for(MILESTONE)]
    return {"milestone": MILESTONE, "milestone_source": "the cluster", "passed": passing,
            "summary": {"PASS": len(results)} if passing else {"FAIL": len(results)}, "results": results}


def _plant(project: Path, passing: bool = True) -> None:
    outputs = project / "outputs"
    outputs.mkdir(exist_ok=True)
    for path in CLUSTER_MADE:
        target = project / path
        if path.endswith(".png"):
            target.write_bytes(_png())
        elif path.endswith(".md"):
            target.write_text(f"# {Path(path).stem} as its command wrote it\n")
        else:
            target.write_text("made by its command\n")
    (outputs / "validation-report.md").unlink()  # handin writes it from the JSON
    (outputs / "deploy-log.txt").unlink()  # handin copies it from run_logs/
    (outputs / "validation-report.json").write_text(json.dumps(_validation(passing)))
    logs = project / "run_logs"
    logs.mkdir()
    (logs / "deploy-20261201T100000.000000Z.log").write_text(
        "2026-12-01T10:00:00Z ca3 deploy -m 6 mode=apply namespace=conveyor-pipeline\n"
        "2026-12-01T10:04:00Z OK: 60 object(s) applied, 0 pruned\n")
    for source in ("apps/producer/producer/metrics.py", "apps/processor/processor/metrics.py",
                   "apps/producer/Dockerfile", "apps/processor/Dockerfile"):
        (project / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / source, project / source)


def test_planted_outputs_turn_every_row_present_and_the_handin_passes(scratch: Path, ca3: Run) -> None:
    _plant(scratch)
    done = ca3("handin", "--milestone", str(MILESTONE))
    assert done.returncode == 0, done.stderr
    text = (scratch / "outputs/CHECKLIST.md").read_text()
    for path in [*UP_TO_6, "outputs/validation-report.md", "outputs/deploy-log.txt"]:
        row = _row(text, path)
        assert "| PRESENT |" in row and f"({datetime.now(UTC):%Y-%m-%d}" in row, row
    assert "| MISSING |" not in text
    assert "PASS" in (scratch / "outputs/validation-report.md").read_text()
    assert "OK: 60 object(s) applied" in (scratch / "outputs/deploy-log.txt").read_text()


def test_readme_links_each_present_output_with_its_own_title(scratch: Path, ca3: Run) -> None:
    _plant(scratch)
    assert ca3("handin", "--milestone", str(MILESTONE)).returncode == 0
    readme = (scratch / "README.md").read_text()
    for path in UP_TO_6:
        assert f"[`{path}`]({path})" in readme, path
    assert "scaling-test-results as its command wrote it" in readme
    assert "Verified: 22 of 22 criteria proven by `ca3 validate`" in readme


def test_a_failed_check_keeps_its_criterion_missing(scratch: Path, ca3: Run) -> None:
    _plant(scratch, passing=False)
    done = ca3("handin", "--milestone", str(MILESTONE))
    assert done.returncode == 1
    text = (scratch / "outputs/CHECKLIST.md").read_text()
    row = next(line for line in text.splitlines() if "StatefulSet kafka has all replicas Ready" in line)
    assert "| MISSING |" in row and "FAIL in the last run" in row


def test_a_submission_elsewhere_gets_a_copy_of_the_project_evidence(scratch: Path, ca3: Run) -> None:
    _plant(scratch)
    done = ca3("handin", "--milestone", str(MILESTONE), "--out", "submission", "--allow-missing")
    assert done.returncode == 0, done.stderr
    assert (scratch / "submission/outputs/hpa-scaling.png").read_bytes() == _png()
    assert "| PRESENT |" in _row((scratch / "submission/outputs/CHECKLIST.md").read_text(),
                                 "outputs/prometheus-targets.png")


def test_every_output_the_seed_names_in_milestone_10_has_a_row() -> None:
    rows = deliverables.deliverables(Settings(), registry.HIGHEST, submission.makers(registry.HIGHEST, Path(".")))
    paths = {row.path for row in rows}
    for name in ("grafana-dashboard.png", "log-search.png", "hpa-scaling.png", "network-policies.yaml",
                 "tls-config-summary.md", "resilience-drill.mp4", "operator-procedures.md"):
        assert f"outputs/{name}" in paths, name
    found = dict.fromkeys(paths, datetime.now(UTC))
    lines = checklist.lines(rows, deliverables.criteria(registry.HIGHEST), found, {})
    assert [line.text for line in checklist.missing(lines)] == [c.text for c in registry.criteria_for(9)] + [
        "Validate script passes all tests"], "with every file present only the unvalidated criteria are missing"
