"""The run log: one timestamped file per deploy/destroy in run_logs/ saying what ran and how it ended.

Every line passes through `redact`, so a secret value (or its base64 form) never reaches the file even if kubectl
echoed it back; the log is written as the run goes, so a crash still leaves what happened so far.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ca3cli.edges import files
from ca3cli.edges.kube import Result

RUN_LOGS = Path("run_logs")
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter values (e.g. "true") would redact ordinary words


def secret_forms(values: Iterable[str]) -> list[str]:
    """Each secret value and its base64 encoding (how a Secret's `data` carries it), longest first."""
    forms = set()
    for value in values:
        if len(value) >= MIN_SECRET_LENGTH:
            forms.add(value)
            forms.add(base64.b64encode(value.encode()).decode())
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: Iterable[str]) -> str:
    """`text` with every secret form replaced by [redacted]."""
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


def _now() -> datetime:
    return datetime.now(UTC)


class RunLog:
    """Append-only log of one run; `record` is the Kubectl `on_result` hook."""

    def __init__(self, command: str, secrets: Iterable[str], folder: Path = RUN_LOGS) -> None:
        self._forms = secret_forms(secrets)
        self._folder = folder
        self._name = f"{command}-{_now():%Y%m%dT%H%M%S.%fZ}.log"
        self.path = files.append(folder, self._name, "")

    def line(self, text: str) -> None:
        """Append one timestamped, redacted line (or several, for multi-line text)."""
        stamp = f"{_now():%Y-%m-%dT%H:%M:%S}Z"
        lines = "".join(f"{stamp} {part}\n" for part in redact(text, self._forms).splitlines() or [""])
        files.append(self._folder, self._name, lines)

    def record(self, result: Result) -> None:
        """One kubectl call: its arguments, exit code, duration, and stderr when it failed."""
        self.line(f"$ {' '.join(result.args)}  -> exit {result.returncode} in {result.seconds:.1f}s")
        if result.returncode != 0 and result.stderr.strip():
            self.line("\n".join(f"    {line}" for line in result.stderr.strip().splitlines()))

    def redact(self, text: str) -> str:
        """`text` with this run's secrets removed, for anything shown on screen."""
        return redact(text, self._forms)
