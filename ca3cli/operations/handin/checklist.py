"""Pure: the checklist of a submission, each seed deliverable and criterion PRESENT (its file, when it was made),
MISSING (the command that makes it) or BY HAND (what a person checks), and its Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ca3cli.operations.handin.deliverables import HANDIN, VALIDATE, VALIDATION_JSON, Criterion, Deliverable
from ca3cli.operations.handin.proofs import HOLDS, Proof


class State(StrEnum):
    PRESENT = "PRESENT"
    MISSING = "MISSING"
    BY_HAND = "BY HAND"


@dataclass(frozen=True)
class Line:
    """One row of the checklist."""

    milestone: int
    kind: str  # "deliverable" or "criterion"
    text: str
    state: State
    path: str = ""
    made: datetime | None = None
    todo: str = ""  # the command that makes it (MISSING) or what a person does (BY HAND)
    check: bool = False  # a `ca3 validate` criterion


SOURCE = "part of the ca3 project's own source: hand in from a checkout of it"


def _todo(row: Deliverable) -> str:
    return row.command or (SOURCE if row.source else HANDIN)


def _judged(milestone: int, kind: str, text: str, path: str, found: Mapping[str, datetime],
            proofs: Mapping[str, Proof], todo: str) -> Line:
    """PRESENT only when the file is there and its content proves the row; else what is wrong and what to run."""
    if path not in found:
        return Line(milestone, kind, text, State.MISSING, path, todo=todo)
    proof = proofs.get(path, HOLDS)
    if proof.holds:
        return Line(milestone, kind, text, State.PRESENT, path, found[path])
    if proof.by_hand:
        return Line(milestone, kind, text, State.BY_HAND, path, todo=proof.why)
    return Line(milestone, kind, text, State.MISSING, path, todo=f"present, but {proof.why}; run `{todo}`")


def _deliverable(row: Deliverable, found: Mapping[str, datetime], proofs: Mapping[str, Proof]) -> Line:
    return _judged(row.milestone, "deliverable", row.seed, row.path, found, proofs, _todo(row))


def _all_present(row: Criterion, rows: Sequence[Deliverable], found: Mapping[str, datetime],
                 proofs: Mapping[str, Proof]) -> Line:
    prefix = row.all_under or ""
    wanted = [d for d in rows if d.path.startswith(prefix)]
    absent = [d for d in wanted if _judged(d.milestone, "", "", d.path, found, proofs, "").state is State.MISSING]
    if absent:
        return Line(row.milestone, "criterion", row.text, State.MISSING, prefix,
                    todo=f"{len(absent)} missing, first {absent[0].path}: {_todo(absent[0])}")
    return Line(row.milestone, "criterion", row.text, State.PRESENT, prefix or ".",
                max(found[d.path] for d in wanted) if wanted else None)


def _criterion(row: Criterion, rows: Sequence[Deliverable], found: Mapping[str, datetime],
               checks: Mapping[str, str], proofs: Mapping[str, Proof]) -> Line:
    if row.all_under is not None:
        return _all_present(row, rows, found, proofs)
    if row.by_hand:
        return Line(row.milestone, "criterion", row.text, State.BY_HAND, todo=row.by_hand)
    if row.check_id:
        status = checks.get(row.check_id)
        if status == "PASS" and VALIDATION_JSON in found:
            return Line(row.milestone, "criterion", row.text, State.PRESENT, VALIDATION_JSON, found[VALIDATION_JSON],
                        check=True)
        todo = f"{status} in the last run: fix it, then {VALIDATE}" if status else VALIDATE
        return Line(row.milestone, "criterion", row.text, State.MISSING, VALIDATION_JSON, todo=todo, check=True)
    if row.path == VALIDATION_JSON:
        failing = [check for check, status in checks.items() if status == "FAIL"]
        if VALIDATION_JSON in found and checks and not failing:
            return Line(row.milestone, "criterion", row.text, State.PRESENT, row.path, found[row.path])
        return Line(row.milestone, "criterion", row.text, State.MISSING, row.path, todo=VALIDATE)
    makers = [d for d in rows if d.path == row.path]
    return _judged(row.milestone, "criterion", row.text, row.path, found, proofs,
                   _todo(makers[0]) if makers else HANDIN)


def lines(rows: Sequence[Deliverable], criteria: Sequence[Criterion], found: Mapping[str, datetime],
          checks: Mapping[str, str], proofs: Mapping[str, Proof] | None = None) -> list[Line]:
    """Every row, milestone by milestone, deliverables before criteria.

    `found` maps each present file (relative to the submission) to when it was made; `checks` is each check id's
    status in the last `ca3 validate --json` (empty when there is none); `proofs` what each present file's content
    proves (ca3cli/operations/handin/proofs.py; a file without one holds).
    """
    judged = proofs or {}
    every = ([_deliverable(row, found, judged) for row in rows]
             + [_criterion(row, rows, found, checks, judged) for row in criteria])
    return sorted(every, key=lambda line: (line.milestone, line.kind != "deliverable"))


def missing(checklist: Sequence[Line]) -> list[Line]:
    """The rows still to make."""
    return [line for line in checklist if line.state is State.MISSING]


def condensed(checklist: Sequence[Line]) -> list[Line]:
    """The checklist for a terminal: a milestone's `ca3 validate` criteria become one row that counts them."""
    out: list[Line] = []
    for line in checklist:
        if not line.check:
            out.append(line)
            continue
        same = [other for other in checklist if other.check and other.milestone == line.milestone]
        if line is not same[0]:
            continue
        passed = [other for other in same if other.state is State.PRESENT]
        text = f"{len(passed)} of {len(same)} `ca3 validate` criteria PASS"
        if len(passed) == len(same):
            out.append(Line(line.milestone, "criterion", text, State.PRESENT, line.path, line.made))
        else:
            todo = next(other.todo for other in same if other.state is State.MISSING)
            out.append(Line(line.milestone, "criterion", text, State.MISSING, line.path, todo=todo))
    return out


def _when(made: datetime | None) -> str:
    return f"{made:%Y-%m-%d %H:%M} UTC" if made else ""


def detail(line: Line) -> str:
    """What a row's state says: its file and when it was made, or what to do."""
    if line.state is State.PRESENT:
        return f"{line.path} ({_when(line.made)})"
    return f"{line.path + ': ' if line.path else ''}{line.todo}"


def markdown(checklist: Sequence[Line], milestone: int) -> str:
    """outputs/CHECKLIST.md."""
    count = len(missing(checklist))
    out = [
        f"# Hand-in checklist (milestones 1-{milestone}, 10 and 11)",
        "",
        f"Written by `{HANDIN}`. {count} row(s) MISSING; each says the command that makes it. "
        "BY HAND rows are for a person to check.",
        "",
        "| M | What the seed asks | State | File, when made / what to run |",
        "| --- | --- | --- | --- |",
    ]
    for line in checklist:
        text = line.text.replace("|", "\\|")
        where = (f"[`{line.path}`]({_link(line.path)}) ({_when(line.made)})" if line.state is State.PRESENT
                 else detail(line).replace("|", "\\|"))
        out.append(f"| {line.milestone} | {text} | {line.state.value} | {where} |")
    return "\n".join(out) + "\n"


def _link(path: str) -> str:
    """A link relative to outputs/, where CHECKLIST.md lives."""
    return path.removeprefix("outputs/") if path.startswith("outputs/") else f"../{path}"
