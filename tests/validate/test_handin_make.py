"""`ca3 handin --make` runs the validate step through the same operations as `ca3 validate`, against the stand-in
kubectl and recorded-shape APIs of a healthy milestone-1 cluster: it writes the JSON and JUnit reports the checklist
then counts, and a second run finds nothing to make."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ca3cli.core import registry
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub
from tests.validate.recorded_api import RecordedApi
from tests.validate.test_command import healthy  # noqa: F401  (fixture: a healthy milestone-1 cluster)

M1_IDS = [c.id for c in registry.CRITERIA if c.milestone == 1]


def test_make_runs_validate_once_and_the_checklist_then_counts_every_criterion(
        healthy: RecordedApi, kubectl_stub: KubectlStub, project: Project, ca3: Callable[..., Run]) -> None:  # noqa: F811
    result = ca3("handin", "--make", "-m", "1", "--allow-missing")
    assert result.code == 0, result.text
    assert "[1/1] ca3 validate --json --junit outputs/validation-report.xml" in result.text
    assert "failed" not in result.out.split("Hand-in checklist")[0]
    report = json.loads((project.path / "outputs/validation-report.json").read_text())
    assert [r["id"] for r in report["results"]] == M1_IDS and report["passed"] is True
    suite = ET.parse(project.path / "outputs/validation-report.xml").getroot()
    assert len(list(suite.iter("testcase"))) == len(M1_IDS)
    checklist = (project.path / "outputs/CHECKLIST.md").read_text()
    assert f"| 1 | {registry.CRITERIA[0].text} | PRESENT |" in checklist
    again = ca3("handin", "--make", "-m", "1", "--dry-run")
    assert "--make: 0 step(s)" in again.text, "a rerun skips what is done and valid"
