"""Pure readers of what other commands left: the JSON of `ca3 validate --json` and a deploy's run log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# `ca3 deploy` logs `ca3 deploy -m N mode=apply ...` first and `OK: ...` last when every phase was applied and ready.
_APPLY = re.compile(r"^\S+ ca3 deploy -m \d+ mode=apply ", re.MULTILINE)
_OK = re.compile(r"^\S+ OK: ", re.MULTILINE)


def deploy_succeeded(log: str) -> bool:
    """True for the run log of a real (not dry-run) deploy that finished without an error."""
    return bool(_APPLY.search(log) and _OK.search(log))


def statuses(report: Mapping[str, Any]) -> dict[str, str]:
    """check id -> PASS / FAIL / WARN / SKIP, from `ca3 validate --json`."""
    return {str(r["id"]): str(r["status"]) for r in report.get("results", [])}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(report: Mapping[str, Any], source: str) -> str:
    """The validation report as Markdown: summary, then every check with its status and the evidence seen."""
    summary = report.get("summary", {})
    counts = ", ".join(f"{count} {status}" for status, count in summary.items())
    lines = [
        f"# Validation report (milestones 1-{report.get('milestone')})",
        "",
        f"Made from `{source}` (`ca3 validate --json`; milestone chosen from {report.get('milestone_source')}).",
        f"Result: **{'passed' if report.get('passed') else 'FAILED'}** ({counts}).",
        "",
        "| ID | Milestone | Criterion | Status | Evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| `{r['id']}` | {r['milestone']} | {_cell(r['criterion'])} | {r['status']} | {_cell(r['evidence'])} |"
              for r in report.get("results", [])]
    return "\n".join(lines) + "\n"
