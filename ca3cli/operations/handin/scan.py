"""Edge: the secret scan of a submission, with detect-secrets (Yelp's scanner) and the exact generated values.

Two places are read: the submission folder (what `git add -A` would commit there) and every blob of the git
history (each commit of every ref), so a secret committed once and deleted since is still found. A finding names
the file, the line and, for history, the commit; never the value. Findings whose secret hash is listed in the
project's `.secrets.baseline` (detect-secrets' own audited-baseline format) for the same file are accepted; a
generated value from `.ca3/` never is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ca3cli.core import owned_paths
from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files, process
from ca3cli.edges.runlog import secret_forms

BASELINE = ".secrets.baseline"
GIT_TIMEOUT_S = 300.0  # `git log --raw` of every ref: seconds for a course repository, minutes for a huge one
MAX_BYTES = 1 << 20  # larger blobs are data, not configuration
GENERATED = "generated secret value"
# Lines of ca3's own files that detect-secrets' keyword and hex detectors misread: a pod template's config checksum
# annotation (a SHA-256 of a ConfigMap) and a volume's `secretName:` (the name of a Secret, not its value).
LINE_EXCLUSIONS = (
    r'^\s*"?checksum/[\w.-]+"?:\s*"?[0-9a-f]{64}"?,?\s*$',
    r'^\s*"?secretName"?:\s*"?[a-z0-9.-]+"?,?\s*$',
)


@dataclass(frozen=True)
class Finding:
    """Something that looks like a secret: where it is, what kind, and its hash (to match the baseline)."""

    path: str
    line: int
    kind: str
    secret_hash: str
    commit: str = ""

    def describe(self) -> str:
        """Where it is, never what it is."""
        where = f"{self.path}:{self.line}"
        return f"{where} in commit {self.commit[:12]}" if self.commit else where


@dataclass(frozen=True)
class Blob:
    """A file's content as git stores it: its object id, one path it had, and the commit that introduced it."""

    oid: str
    path: str
    commit: str


def _git(repo: Path, *args: str) -> str:
    if not process.found("git"):
        raise Ca3Error("git is not on PATH; the secret scan reads the history with it. Install git.")
    try:
        done = process.run(["git", *args], cwd=repo, timeout=GIT_TIMEOUT_S)
    except process.ProgramTimeout as exc:
        raise Ca3Error(f"{exc} The secret scan reads the history with it; check the repository in {repo}.") from None
    if done.returncode != 0:
        raise Ca3Error(f"`git {' '.join(args)}` failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def git_root(folder: Path) -> Path | None:
    """The work tree `folder` is in, or None when it is in none."""
    if not process.found("git"):
        return None
    done = process.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, timeout=GIT_TIMEOUT_S)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


EVERY_REF = ("--all",)


def history(repo: Path, refs: Sequence[str] = EVERY_REF) -> list[Blob]:
    """Every blob a commit reachable from `refs` introduced at each path, once per path, with the oldest commit that
    did (a finding is named, and accepted, per file)."""
    if not _git(repo, "rev-list", "-n1", *refs).strip():
        return []
    log = _git(repo, "-c", "core.quotePath=false", "log", *refs, "--reverse", "--root", "-m", "--raw",
               "--no-renames", "--no-abbrev", "--format=commit %H", "--")
    blobs: dict[tuple[str, str], Blob] = {}
    commit = ""
    for line in log.splitlines():
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line.startswith(":"):
            meta, path = line.split("\t", 1)
            oid = meta.split()[3]
            if set(oid) != {"0"} and (oid, path) not in blobs:
                blobs[oid, path] = Blob(oid, path, commit)
    return list(blobs.values())


def read_blobs(repo: Path, oids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """(oid, content) for each blob, through one `git cat-file --batch`."""
    if not oids:
        return
    with process.start(["git", "cat-file", "--batch"], cwd=repo, stdin=True, text=False) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for oid in oids:
            proc.stdin.write(f"{oid}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            size = int(header[2])
            content = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after each object
            yield oid, content
        proc.stdin.close()


def blob_id(content: bytes) -> str:
    """The id git gives `content` as a blob, so a working file already scanned in history is not scanned twice."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def submission_files(folder: Path) -> list[Path]:
    """What `git add -A` would commit from `folder`: tracked and untracked files less what .gitignore ignores.

    A folder outside any repository is read as if it were one (a throw-away git directory, the folder untouched).
    """
    listing = ("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if git_root(folder) is not None:
        listed = _git(folder, *listing)
    else:
        with tempfile.TemporaryDirectory(prefix="ca3-git-") as git_dir:
            _git(folder, "--git-dir", git_dir, "init", "-q")
            listed = _git(folder, "--git-dir", git_dir, "--work-tree", ".", *listing)
    return [folder / name for name in listed.split("\0") if name and (folder / name).is_file()]


def _is_text(content: bytes) -> bool:
    return len(content) <= MAX_BYTES and b"\0" not in content[:8192]


def _skipped(path: str) -> bool:
    """The baseline itself: its hashes of accepted findings look like secrets to the hex detector."""
    return Path(path).name == BASELINE


def exact_values(content: str, path: str, forms: Sequence[str], commit: str = "") -> list[Finding]:
    """Lines holding a generated value (or its base64 form) verbatim."""
    return [Finding(path, number, GENERATED, hashlib.sha1(form.encode()).hexdigest(), commit)
            for number, text in enumerate(content.splitlines(), start=1) for form in forms if form in text]


@contextmanager
def detect_secrets() -> Iterator[None]:
    """detect-secrets configured for one scan: every plugin, its default filters, plus ca3's line exclusions."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import Settings, transient_settings

    kinds: list[type] = list(get_mapping_from_secret_type_to_class().values())
    config: dict[str, Any] = {
        "plugins_used": [{"name": kind.__name__} for kind in kinds],
        "filters_used": [*({"path": path} for path in Settings().filters),
                         {"path": "detect_secrets.filters.regex.should_exclude_line",
                          "pattern": list(LINE_EXCLUSIONS)}],
    }
    with transient_settings(config):
        yield


def scan_file(real: Path, shown: str, commit: str = "") -> list[Finding]:
    """What detect-secrets (configured by `detect_secrets()`) finds in the file at `real`, named `shown`."""
    from detect_secrets.core import scan as detector

    return [Finding(shown, secret.line_number, secret.type, secret.secret_hash, commit)
            for secret in detector.scan_file(str(real))]


@dataclass(frozen=True)
class Scanned:
    """What a scan read and found."""

    findings: list[Finding]
    blobs: int  # blobs of the history read
    commits: int
    files: int  # files of the submission folder read (not already read as history)
    in_git: bool = True  # False: the folder is in no git work tree, so no history could be read


def _history(repo: Path, refs: Sequence[str], forms: Sequence[str], tmp: Path,
             progress: Callable[[str], None]) -> tuple[list[Finding], set[tuple[str, str]]]:
    """Findings in the history, and the (blob id, path) pairs read. Each blob is scanned once and its findings are
    named at every path it had. detect-secrets reads files, so a blob is written under its first name (plugins and
    filters look at the file name) in a private temporary folder."""
    paths: dict[str, list[Blob]] = {}
    for blob in history(repo, refs):
        paths.setdefault(blob.oid, []).append(blob)
    progress(f"Scanning {len(paths)} blobs of the git history of {repo}...")
    findings: list[Finding] = []
    for oid, content in read_blobs(repo, list(paths)):
        first = paths[oid][0]
        if not _is_text(content) or _skipped(first.path):
            continue
        name = owned_paths.UNSAFE.sub("_", PurePosixPath(first.path).name)  # git allows a backslash in a name
        copy = files.write(tmp, PurePosixPath(oid, name), content, mode=files.PRIVATE_FILE, durable=False)
        found = scan_file(copy, first.path) + exact_values(content.decode(errors="replace"), first.path, forms)
        files.remove(tmp, copy.relative_to(tmp))
        findings += [replace(f, path=blob.path, commit=blob.commit) for blob in paths[oid] for f in found]
    return findings, {(blob.oid, blob.path) for blobs in paths.values() for blob in blobs}


def scan(folder: Path, values: Iterable[str], progress: Callable[[str], None] = lambda _: None,
         refs: Sequence[str] = EVERY_REF) -> Scanned:
    """Every finding in the submission folder and, when it is in a git work tree, in the history of its `refs`."""
    forms = secret_forms(values)
    findings: list[Finding] = []
    scanned: set[tuple[str, str]] = set()
    repo = git_root(folder)
    commits = len(_git(repo, "rev-list", *refs, "--").split()) if repo is not None else 0
    read = 0
    with detect_secrets(), tempfile.TemporaryDirectory(prefix="ca3-scan-") as tmp:
        if repo is not None:
            findings, scanned = _history(repo, refs, forms, Path(tmp), progress)
        files = submission_files(folder)
        progress(f"Scanning {len(files)} files of the submission in {folder.resolve()}...")
        for path in files:
            content = path.read_bytes()
            committed = repo is not None and (blob_id(content), os.path.relpath(path, repo)) in scanned
            if committed or not _is_text(content) or _skipped(path.name):
                continue
            read += 1
            shown = os.path.relpath(path, folder)
            findings += scan_file(path, shown)
            findings += exact_values(content.decode(errors="replace"), shown, forms)
    return Scanned(findings, len({oid for oid, _ in scanned}), commits, read, repo is not None)


def key_material(folder: Path) -> list[str]:
    """What of the private keys kept under `folder` (.ca3/) may be found verbatim elsewhere: each line of a PEM body
    and the whole file (secret_forms adds its base64, as a Secret's `data` carries it)."""
    values = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and (path.suffix == ".key" or path.name.endswith("key.pem")):
            text = path.read_text(errors="replace")
            values.append(text)
            values += [line for line in text.splitlines() if len(line) >= 40 and not line.startswith("-----")]
    return values


def accepted(baseline: Path) -> set[tuple[str, str]]:
    """(file, secret hash) of each finding a detect-secrets baseline lists as audited. Keyed by file as
    detect-secrets keys them: some detectors hash only what they match (a PEM header), so a hash alone would accept
    every such key everywhere."""
    if not baseline.is_file():
        return set()
    try:
        results = json.loads(baseline.read_text()).get("results", {})
        return {(path, entry["hashed_secret"]) for path, entries in results.items() for entry in entries}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Ca3Error(f"{baseline} is not a detect-secrets baseline ({exc}). Fix or delete it.") from None


def unaccepted(findings: Iterable[Finding], audited: set[tuple[str, str]]) -> list[Finding]:
    """Findings the baseline does not list for their file; a generated value is never accepted."""
    return [f for f in findings if f.kind == GENERATED or (f.path, f.secret_hash) not in audited]


def baseline_json(findings: Iterable[Finding]) -> str:
    """A detect-secrets baseline accepting `findings` (never a generated value): `ca3 handin --accept-findings`."""
    from detect_secrets.__version__ import VERSION
    from detect_secrets.settings import get_settings

    results: dict[str, list[dict[str, object]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for f in sorted(findings, key=lambda f: (f.path, f.line)):
        if f.kind != GENERATED and (f.path, f.kind, f.secret_hash) not in seen:
            seen.add((f.path, f.kind, f.secret_hash))
            results.setdefault(f.path, []).append({"type": f.kind, "filename": f.path, "hashed_secret": f.secret_hash,
                                                   "is_verified": False, "line_number": f.line})
    with detect_secrets():
        settings = get_settings().json()
    return json.dumps({"version": VERSION, **settings, "results": results}, indent=2) + "\n"
