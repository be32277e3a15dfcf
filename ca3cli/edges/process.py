"""The one door through which ca3 starts a program: kubectl (through edges/kube.py), docker, kind, k3d, minikube and
git. Every call is logged (through `redact`), can be a dry run, has a timeout, reports its result to a hook (the run
log), never reads the terminal's stdin, and a program that is not installed is a sentence, not a traceback.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

from ca3cli.core.errors import Ca3Error

__all__ = ["Popen", "ProgramMissing", "ProgramTimeout", "Result", "found", "run", "start", "stop"]

log = logging.getLogger("ca3.process")
STOP_GRACE_S = 5.0  # between asking a started program to stop and killing it


@dataclass(frozen=True)
class Result:
    """What one finished call returned (its output is empty when it went to the terminal)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0


class ProgramMissing(Ca3Error):
    """The program is not on PATH."""


class ProgramTimeout(Ca3Error):
    """The program did not finish within its timeout (it was killed)."""

    def __init__(self, args: Sequence[str], limit: float) -> None:
        self.args_run, self.limit = list(args), limit
        super().__init__(f"`{' '.join(args)}` did not finish within {limit:g}s and was stopped.")


def found(program: str) -> bool:
    """Whether `program` is on PATH."""
    return shutil.which(program) is not None


def _missing(program: str) -> ProgramMissing:
    return ProgramMissing(f"`{program}` was not found on PATH. Install it and run the command again.")


def run(argv: Sequence[str], *, timeout: float, input: str | None = None, capture: bool = True,
        cwd: Path | None = None, dry_run: bool = False, on_result: Callable[[Result], None] | None = None,
        redact: Callable[[str], str] = str) -> Result:
    """Run `argv` to its end and return what it did, whatever its exit code; `capture=False` lets its output go to
    the terminal (a long `docker build` shows its progress). `input` is passed on stdin and never logged."""
    args, shown = list(argv), redact(" ".join(argv))
    if dry_run:
        log.info("dry-run, not running: %s", shown)
        return Result(args, 0, "", "")
    if not found(args[0]):
        raise _missing(args[0])
    log.info("running: %s", shown)
    started = time.monotonic()
    try:
        # Without input, stdin is /dev/null: a program must never wait on the terminal or an inherited pipe.
        done = subprocess.run(args, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=capture, text=True, timeout=timeout, cwd=cwd, check=False)
    except subprocess.TimeoutExpired:
        _report(on_result, Result(args, -1, "", f"timed out after {timeout:g}s", time.monotonic() - started))
        raise ProgramTimeout(args, timeout) from None
    result = Result(args, done.returncode, done.stdout or "", done.stderr or "", time.monotonic() - started)
    _report(on_result, result)
    log.info("exit %d: %s", done.returncode, shown)
    if result.stderr.strip():
        log.debug("stderr: %s", redact(result.stderr.strip()))
    return result


def _report(hook: Callable[[Result], None] | None, result: Result) -> None:
    if hook is not None:
        hook(result)


def start(argv: Sequence[str], *, cwd: Path | None = None, stdin: bool = False, text: bool = True,
          redact: Callable[[str], str] = str) -> Popen[Any]:
    """Start a long-running program (port-forward, `git cat-file --batch`) with its output piped; the caller stops it
    with `stop` (or closes its stdin)."""
    args = list(argv)
    if not found(args[0]):
        raise _missing(args[0])
    log.info("starting: %s", redact(" ".join(args)))
    return Popen(args, cwd=cwd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=text)


def stop(proc: Popen[Any]) -> None:
    """Ask a started program to stop, kill it when it does not within STOP_GRACE_S, and close its pipes."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe:
            pipe.close()
