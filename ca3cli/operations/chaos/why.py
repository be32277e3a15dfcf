"""A failure as the one line a step or verdict shows: for kubectl, the command, its exit code and what it said went
wrong (its last real line, not the whole stderr); otherwise the error's first line."""

from __future__ import annotations

from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.edges import kube


def why(exc: Ca3Error) -> str:
    if isinstance(exc, KubectlError):
        return f"`{' '.join(exc.args_run)}` exited {exc.returncode}: {kube.reason(exc.stderr or exc.stdout)}"
    return str(exc).strip().splitlines()[0]
