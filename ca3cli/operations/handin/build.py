"""`ca3 handin` end to end: write the static parts, scan for secrets, then the checklist and README from what is
on disk. Cluster-made evidence is only looked for (and copied from the project when the submission is elsewhere)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core import registry
from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files
from ca3cli.operations.build import find_apps_dir
from ca3cli.operations.handin import checklist, deliverables, proofs, readme, scan, submission, validation

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

README = "README.md"
CHECKLIST = f"{deliverables.OUTPUTS}/CHECKLIST.md"
SCAN_REPORT = f"{deliverables.OUTPUTS}/secret-scan.md"
SHOWN = 20  # findings named in the error; a leak often repeats across commits


class SecretFound(Ca3Error):
    """The secret scan found something that looks like a secret (named by file, line and commit, never value)."""


@dataclass(frozen=True)
class Handin:
    """What a hand-in run produced."""

    root: Path
    checklist: list[checklist.Line]
    scanned: scan.Scanned


def _made(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


SKIPPED_SOURCE = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv")


def _copy_tree(source: Path, target: Path) -> None:
    """Every regular file under `source` to the same place under `target`, never through a link, without caches."""
    for path in sorted(source.rglob("*")):
        parts = path.relative_to(source).parts
        if path.is_symlink() or not path.is_file() or any(p in SKIPPED_SOURCE or p.endswith(".egg-info")
                                                          for p in parts) or path.suffix == ".pyc":
            continue
        files.copy(source, path.relative_to(source), target, path.relative_to(source))


def _copy_evidence(project: Path, root: Path) -> None:
    """Command-made outputs live in the project's outputs/; a submission elsewhere gets a copy of all of them (the
    reports name their journals and samples too)."""
    if (project / deliverables.OUTPUTS).is_dir():
        _copy_tree(project / deliverables.OUTPUTS, root / deliverables.OUTPUTS)


def _copy_apps(project: Path, root: Path) -> None:
    """The apps' code and Dockerfiles, which the README and the checklist link, into a submission that lacks them:
    from the project, else from the ca3 checkout this ca3 runs from."""
    if (root / "apps").exists():
        return
    try:
        apps = find_apps_dir(project)
    except Ca3Error:
        return  # a ca3 installed from a wheel has no apps/: their rows say to hand in from a checkout
    _copy_tree(apps, root / "apps")


def write_static(settings: Settings, root: Path, rows: Iterable[deliverables.Deliverable]) -> None:
    """Run each static maker once (several rows share one, e.g. every k8s/ file)."""
    done: list[deliverables.Maker] = []
    for row in rows:
        if row.write is not None and row.write not in done:
            row.write(settings, root)
            done.append(row.write)


def secret_scan(root: Path, project: Path, values: Iterable[str], progress: Callable[[str], None]) -> scan.Scanned:
    """Scan; any finding the project's baseline does not accept stops the hand-in, naming where it is."""
    scanned = scan.scan(root, values, progress)
    found = scan.unaccepted(scanned.findings, scan.accepted(project / scan.BASELINE))
    if found:
        where = "; ".join(f"{f.describe()} ({f.kind})" for f in found[:SHOWN])
        where += f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise SecretFound(
            f"The secret scan found {len(found)} possible secret(s): {where}. Remove each one (for a commit: rewrite "
            "the history, e.g. with git filter-repo, and rotate the value with `ca3 init --rotate`); if you have "
            f"checked that one is no secret, accept it with `ca3 handin --accept-findings` (writes {scan.BASELINE}).")
    return scanned


def scan_report(scanned: scan.Scanned, accepted: int) -> str:
    """outputs/secret-scan.md: what was read, with which scanner, and that nothing was found; outside git it says
    that no commit could be read (the checklist then leaves "nothing committed" to a person)."""
    from detect_secrets.__version__ import VERSION

    history = (f"{scanned.blobs} blobs from {scanned.commits} commits of the git history and" if scanned.in_git
               else f"no commit: the submission is {proofs.NOT_IN_GIT}, so only")
    return (
        "# Secret scan\n\n"
        f"`ca3 handin` scanned {history} {scanned.files} further files of the submission with detect-secrets "
        f"{VERSION} (every plugin, default filters) and for the exact generated values and private keys kept in "
        "`.ca3/`, where present.\n\n"
        f"Result: no secret found ({accepted} finding(s) accepted as audited in `{scan.BASELINE}`).\n"
    )


def _found(root: Path, rows: Iterable[deliverables.Deliverable]) -> dict[str, datetime]:
    paths = {row.path for row in rows} | {deliverables.VALIDATION_JSON}
    return {path: _made(root / path) for path in paths if (root / path).is_file()}


def _read(root: Path, path: str) -> bytes | None:
    """A file of the submission; None when absent."""
    return (root / path).read_bytes() if (root / path).is_file() else None


def _checks(root: Path) -> dict[str, str]:
    path = root / deliverables.VALIDATION_JSON
    try:
        return validation.statuses(json.loads(path.read_text())) if path.is_file() else {}
    except ValueError as exc:
        raise Ca3Error(f"{path} is not the JSON of `ca3 validate --json` ({exc}). Run `{deliverables.VALIDATE}` "
                       "again.") from None


def _titles(root: Path, found: Iterable[str]) -> dict[str, str]:
    titles = {}
    for path in found:
        if path.endswith(".md") and path.startswith("outputs/"):
            title = readme.first_heading((root / path).read_text(errors="replace"))
            if title:
                titles[path] = title
    return titles


def run(settings: Settings, milestone: int, root: Path, project: Path, values: Iterable[str],
        progress: Callable[[str], None] = lambda _: None) -> Handin:
    """Build the submission of milestones 1..`milestone` in `root`, from the project at `project`."""
    rows = deliverables.deliverables(settings, milestone, submission.makers(milestone, project))
    if root.resolve() != project.resolve():
        _copy_evidence(project, root)
    _copy_apps(project, root)
    progress("Writing k8s/, scripts/ and the static outputs...")
    write_static(settings, root, rows)
    scanned = secret_scan(root, project, values, progress)
    accepted = len(scanned.findings)
    files.write(root, SCAN_REPORT, scan_report(scanned, accepted))
    found = _found(root, rows)
    titles = _titles(root, found)
    now = datetime.now(UTC)
    found.update({README: now, CHECKLIST: now})  # written below, from this checklist
    checks = _checks(root)
    lines = _judge(milestone, rows, root, found, checks)
    k8s_files = sorted(str(p.relative_to(root)) for p in (root / "k8s").rglob("*.yaml"))
    enabled = {component.name for component in registry.components_for(milestone, settings)}
    switched_on = {name for name, on in registry.features(settings, milestone).items() if on}
    generated = readme.markdown(milestone, lines, k8s_files, enabled, checks, titles, settings.namespace,
                                switched_on, rows)
    existing = (root / README).read_text() if (root / README).is_file() else None
    files.write(root, README, readme.merge(existing, generated))
    files.write(root, CHECKLIST, checklist.markdown(lines, milestone))
    return Handin(root, lines, scanned)


def _judge(milestone: int, rows: tuple[deliverables.Deliverable, ...], root: Path,
           found: dict[str, datetime], checks: dict[str, str]) -> list[checklist.Line]:
    judged = {path: proofs.judge(path, partial(_read, root)) for path in found
              if path not in (README, CHECKLIST)}  # written by this command, from the checklist
    return checklist.lines(rows, deliverables.criteria(milestone), found, checks, judged)


def assess(settings: Settings, milestone: int, root: Path, project: Path) -> list[checklist.Line]:
    """The checklist of what is in `root` now, writing nothing (`ca3 handin --make` plans and resumes from it)."""
    rows = deliverables.deliverables(settings, milestone, submission.makers(milestone, project))
    return _judge(milestone, rows, root, _found(root, rows), _checks(root))


def accept_findings(root: Path, project: Path, values: Iterable[str],
                    progress: Callable[[str], None] = lambda _: None) -> list[scan.Finding]:
    """Write the project's baseline so that every current detect-secrets finding is accepted; returns them."""
    findings = [f for f in scan.scan(root, values, progress).findings if f.kind != scan.GENERATED]
    files.write(project, scan.BASELINE, scan.baseline_json(findings))
    return findings
