"""Run checks in parallel, each with its own timeout; a failing, crashing or hanging check never stops the run."""

from __future__ import annotations

import concurrent.futures as futures
import threading
import time
from collections.abc import Callable, Sequence

from ca3cli.core.errors import Ca3Error
from ca3cli.operations.validate import catalogue
from ca3cli.operations.validate.model import Check, CheckResult, Outcome, Status
from ca3cli.operations.validate.probe import Probe

WORKERS = 12
POLL_S = 0.1


def first_line(error: BaseException) -> str:
    """An error's first line: enough for the evidence column (kubectl's stderr follows on later lines)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    detail = next((line for line in lines[1:] if line), "")
    return f"{lines[0]} {detail}".strip() if lines else type(error).__name__


def evaluate(check: Check, probe: Probe) -> Outcome:
    """Skip, gather and decide one check; errors become FAIL with what went wrong."""
    try:
        reason = check.skip(probe) if check.skip else None
        if reason:
            return Outcome(Status.SKIP, reason)
        return check.decide(check.gather(probe))
    except Ca3Error as exc:
        return Outcome(Status.FAIL, first_line(exc))
    except Exception as exc:  # one broken check must not hide the others' results
        return Outcome(Status.FAIL, f"check crashed ({type(exc).__name__}: {exc}); this is a bug in ca3.")


def _result(check: Check, outcome: Outcome, seconds: float) -> CheckResult:
    criterion = catalogue.criterion(check.id)
    return CheckResult(check.id, criterion.milestone, criterion.text, outcome.status, outcome.evidence,
                       round(seconds, 2))


def run(checks: Sequence[Check], probe: Probe, on_done: Callable[[CheckResult], None] | None = None,
        workers: int = WORKERS) -> list[CheckResult]:
    """Run every check and return results in catalogue order; a check past its timeout is reported as FAIL."""
    started: dict[str, float] = {}
    lock = threading.Lock()

    def timed(check: Check) -> Outcome:
        with lock:
            started[check.id] = time.monotonic()
        return evaluate(check, probe)

    results: dict[str, CheckResult] = {}
    pool = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ca3-check")
    pending = {pool.submit(timed, check): check for check in checks}
    try:
        while pending:
            done, _ = futures.wait(pending, timeout=POLL_S, return_when=futures.FIRST_COMPLETED)
            now = time.monotonic()
            for future in list(pending):
                check = pending[future]
                with lock:
                    began = started.get(check.id)
                if future in done:
                    results[check.id] = _result(check, future.result(), now - (began or now))
                elif began is not None and now - began > check.timeout_s:
                    timed_out = Outcome(Status.FAIL, f"check {check.id} timed out after {check.timeout_s:g}s")
                    results[check.id] = _result(check, timed_out, now - began)
                else:
                    continue
                del pending[future]
                if on_done:
                    on_done(results[check.id])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        probe.close()
    return [results[check.id] for check in checks]
