"""Pure: whether a present file proves its checklist row, from its content (and the files it names).

A file that exists is not yet evidence: a TLS summary that lists missing certificates, a secret scan that read no
commit, a drill report whose experiment never injected, a results file naming a picture nobody drew. Each rule here
reads what the file says and returns a Proof; the checklist calls a row PRESENT only on a proof that holds.
`read(path)` gives the bytes of another file of the submission (None when absent), so rules stay pure.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ca3cli.operations.chaos.model import from_json
from ca3cli.operations.chaos.recovery import analyse

Read = Callable[[str], "bytes | None"]

OUTPUTS = "outputs"
JOURNAL = f"{OUTPUTS}/chaos-journal.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PICTURE = re.compile(r"(?<![\w/.-])((?:outputs/)?[\w.-]+\.(?:png|mp4))\b")
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


@dataclass(frozen=True)
class Proof:
    """What a file's content says of its row: it holds, or why not; `by_hand` when no program can tell here."""

    holds: bool
    why: str = ""
    by_hand: bool = False


HOLDS = Proof(True)


def refused(why: str) -> Proof:
    return Proof(False, why)


def png_error(data: bytes) -> str:
    """Why `data` is not a whole PNG picture ("" when it is): every chunk's CRC, and the pixels inflated to exactly
    the size the header gives."""
    if not data.startswith(PNG_MAGIC):
        return "not a PNG"
    at, idat, header = len(PNG_MAGIC), b"", None
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        if at + 12 + length > len(data):
            return "it ends before its IEND chunk"
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            return f"chunk {kind.decode(errors='replace')} is damaged"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        at += 12 + length
    else:
        return "it ends before its IEND chunk"
    if header is None:
        return "it has no IHDR header"
    width, height, depth, colour, _, _, interlace = header
    if width == 0 or height == 0 or colour not in CHANNELS:
        return f"its header says {width}x{height} pixels of colour type {colour}"
    try:
        pixels = zlib.decompress(idat)
    except zlib.error:
        return "its pixel data does not inflate"
    row = (width * CHANNELS[colour] * depth + 7) // 8
    if interlace == 0 and len(pixels) != height * (1 + row):
        return f"its pixel data holds {len(pixels)} bytes, not the {height * (1 + row)} of {width}x{height} pixels"
    return ""


def picture(data: bytes, path: str) -> Proof:
    """A PNG that decodes; an MP4 that has its `ftyp` and `moov` boxes."""
    if path.endswith(".mp4"):
        return HOLDS if data[4:8] == b"ftyp" and b"moov" in data else refused("it is not a playable MP4")
    error = png_error(data)
    return refused(f"it does not decode as a picture ({error})") if error else HOLDS


def named_pictures(text: str) -> list[str]:
    """Every picture or video a document names (`outputs/x.png`, `(x.png)`), as paths in the submission."""
    names = []
    for name in PICTURE.findall(text):
        path = name if name.startswith(f"{OUTPUTS}/") else f"{OUTPUTS}/{name}"
        if path not in names:
            names.append(path)
    return names


def links_resolve(data: bytes, read: Read) -> Proof:
    """Every picture the document names exists and decodes."""
    for path in named_pictures(data.decode(errors="replace")):
        content = read(path)
        if content is None:
            return refused(f"it names {path}, which is not there")
        proof = picture(content, path)
        if not proof.holds:
            return refused(f"it names {path}, but {proof.why}")
    return HOLDS


def tls_summary(data: bytes, read: Read) -> Proof:
    """The TLS summary describes issued certificates and misses none."""
    text = data.decode(errors="replace")
    missing = re.findall(r"^### (\S+)\nMissing:", text, re.MULTILINE)
    if missing:
        return refused(f"it says certificate(s) {', '.join(missing)} are missing")
    if not re.search(r"^- Subject: ", text, re.MULTILINE):
        return refused("it describes no certificate")
    return HOLDS


NOT_IN_GIT = "not in a git repository"


def secret_scan(data: bytes, read: Read) -> Proof:
    """The secret scan read at least one commit; outside git nothing committed could be read, which a person
    checks (the report says why)."""
    text = data.decode(errors="replace")
    if NOT_IN_GIT in text:
        return Proof(False, "the submission is not in a git repository, so no commit was scanned: check what you "
                            "push, or `git init`, commit and run `ca3 handin` again", by_hand=True)
    found = re.search(r"from (\d+) commits", text)
    if found is None or int(found.group(1)) == 0:
        return refused("the scan read no commit: commit the submission, then run `ca3 handin` again")
    return HOLDS


def recovered(read: Read) -> Proof:
    """The drill's journal holds an experiment that injected its fault and saw the tier Ready again."""
    raw = read(JOURNAL)
    if raw is None:
        return refused(f"{JOURNAL}, the drill's measurements, is not there")
    try:
        drill = from_json(raw.decode(errors="replace"))
    except (ValueError, KeyError, TypeError):
        return refused(f"{JOURNAL} is not a drill's journal")
    runs = [run for run in drill.runs if run.fault.injected_at is not None]
    if not runs:
        outcomes = ", ".join(sorted({f"{run.experiment.name} {run.outcome}" for run in drill.runs})) or "none ran"
        return refused(f"no experiment of the drill injected its fault ({outcomes})")
    if not any(analyse(run).measured for run in runs):
        return refused("no injected experiment was measured Ready again")
    return HOLDS


def pod_tables(data: bytes, read: Read) -> Proof:
    """`kubectl get pods` output with at least one pod, from a drill that recovered."""
    proof = recovered(read)
    if not proof.holds:
        return proof
    lines = data.decode(errors="replace").splitlines()
    rows = [i for i, line in enumerate(lines) if re.match(r"NAME\s+READY\s+STATUS", line)]
    if not any(i + 1 < len(lines) and lines[i + 1].strip() for i in rows):
        return refused("it holds no `kubectl get pods` table with a pod in it")
    return HOLDS


Rule = Callable[[bytes, Read], Proof]


def _both(*rules: Rule) -> Rule:
    def rule(data: bytes, read: Read) -> Proof:
        for one in rules:
            proof = one(data, read)
            if not proof.holds:
                return proof
        return HOLDS

    return rule


# The rows whose file must say more than that it exists; every picture and every document is checked as well.
RULES: Mapping[str, Rule] = {
    f"{OUTPUTS}/tls-config-summary.md": tls_summary,
    f"{OUTPUTS}/secret-scan.md": secret_scan,
    f"{OUTPUTS}/resilience-report.md": lambda data, read: recovered(read),
    f"{OUTPUTS}/recovery-timeline.png": lambda data, read: recovered(read),
    f"{OUTPUTS}/resilience-drill.mp4": lambda data, read: recovered(read),
    f"{OUTPUTS}/pod-recovery.txt": pod_tables,
}


def judge(path: str, read: Read) -> Proof:
    """Whether the file at `path` proves its row: its own rule, then that a picture decodes or that every picture
    a document names does."""
    data = read(path)
    if data is None:
        return refused("it is not there")
    rules: list[Rule] = [RULES[path]] if path in RULES else []
    if path.endswith((".png", ".mp4")):
        rules.append(lambda content, _: picture(content, path))
    elif path.endswith((".md", ".txt")):
        rules.append(links_resolve)
    return _both(*rules)(data, read)
