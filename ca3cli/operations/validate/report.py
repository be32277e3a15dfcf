"""The report as data: summary counts, the JSON document and JUnit XML. Printing is the command's job."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ca3cli.core import registry
from ca3cli.core.registry import Criterion
from ca3cli.operations.validate.model import CheckResult, Status


@dataclass(frozen=True)
class Report:
    """One validation run: the milestone validated, how it was chosen, and every check's result."""

    milestone: int
    milestone_source: str  # e.g. "deployed (namespace annotation ca3.dev/milestone)" or "--milestone"
    results: tuple[CheckResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        """How many checks ended in each status, every status listed."""
        seen = Counter(result.status for result in self.results)
        return {status.value: seen.get(status, 0) for status in Status}

    @property
    def failed(self) -> bool:
        return any(result.status is Status.FAIL for result in self.results)


def milestone_label(number: int) -> str:
    return f"M{number}"


def summary_line(report: Report) -> str:
    """`61 checks: 58 PASS, 1 FAIL, 1 WARN, 1 SKIP` for the end of the table."""
    counts = ", ".join(f"{count} {status}" for status, count in report.counts.items())
    return f"{len(report.results)} checks for {registry.span(report.milestone)}: {counts}"


def to_json(report: Report) -> dict[str, Any]:
    """The run as plain data for `--json`."""
    return {
        "milestone": report.milestone,
        "milestone_source": report.milestone_source,
        "summary": report.counts,
        "passed": not report.failed,
        "results": [
            {"id": r.id, "milestone": milestone_label(r.milestone), "criterion": r.criterion,
             "status": r.status.value, "evidence": r.evidence, "seconds": r.seconds}
            for r in report.results
        ],
    }


def catalogue_json(criteria: Sequence[Criterion]) -> list[dict[str, str]]:
    """`ca3 validate --list --json`: one object per criterion."""
    return [{"id": c.id, "milestone": milestone_label(c.milestone), "criterion": c.text} for c in criteria]


def to_junit(report: Report) -> str:
    """JUnit XML: one testcase per check; FAIL is a failure, SKIP skipped, WARN passes with the warning as output."""
    counts = report.counts
    suite = ET.Element("testsuite", {
        "name": "ca3 validate", "tests": str(len(report.results)), "failures": str(counts["FAIL"]),
        "errors": "0", "skipped": str(counts["SKIP"]),
        "time": f"{sum(r.seconds for r in report.results):.2f}",
    })
    for r in report.results:
        case = ET.SubElement(suite, "testcase", {"classname": milestone_label(r.milestone), "name": r.id,
                                                 "time": f"{r.seconds:.2f}"})
        if r.status is Status.FAIL:
            ET.SubElement(case, "failure", {"message": r.evidence}).text = r.criterion
        elif r.status is Status.SKIP:
            ET.SubElement(case, "skipped", {"message": r.evidence})
        else:
            ET.SubElement(case, "system-out").text = f"{r.status.value}: {r.evidence}"
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
