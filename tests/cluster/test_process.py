"""The process door (ca3cli/edges/process.py) with real programs: what ran and how it ended, the timeout, a missing
program, dry runs, redacted logging, stdin never the terminal, and stopping what was started."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ca3cli.edges import process
from ca3cli.edges.process import Result


def test_a_call_reports_its_exit_code_and_both_outputs_to_the_caller_and_the_hook() -> None:
    seen: list[Result] = []
    result = process.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=30, on_result=seen.append)
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert seen == [result]


def test_a_call_past_its_timeout_is_stopped_and_said_in_one_sentence() -> None:
    seen: list[Result] = []
    with pytest.raises(process.ProgramTimeout, match=r"^`sleep 30` did not finish within 0.2s and was stopped\.$"):
        process.run(["sleep", "30"], timeout=0.2, on_result=seen.append)
    assert [(r.args, r.returncode) for r in seen] == [(["sleep", "30"], -1)]


def test_a_missing_program_is_a_sentence_not_a_traceback() -> None:
    with pytest.raises(process.ProgramMissing, match="`ca3-no-such-program` was not found on PATH"):
        process.run(["ca3-no-such-program"], timeout=5)
    with pytest.raises(process.ProgramMissing):
        process.start(["ca3-no-such-program"])


def test_a_dry_run_runs_nothing(tmp_path: Path) -> None:
    made = tmp_path / "made"
    assert process.run(["touch", str(made)], timeout=5, dry_run=True).returncode == 0
    assert not made.exists()


def test_the_log_shows_the_command_through_redact_and_never_the_input(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ca3.process")
    result = process.run(["sh", "-c", "cat >/dev/null; echo s3cret-value >&2", "s3cret-value"], timeout=30,
                         input="stdin-secret", redact=lambda text: text.replace("s3cret-value", "[redacted]"))
    assert "s3cret-value" in result.stderr
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "[redacted]" in logged and "s3cret-value" not in logged and "stdin-secret" not in logged


def test_a_program_reading_stdin_gets_end_of_file_instead_of_the_terminal() -> None:
    assert process.run(["sh", "-c", 'read line; echo "[$line]"'], timeout=30).stdout == "[]\n"


def test_a_started_program_is_stopped_and_its_pipes_closed() -> None:
    proc = process.start(["sleep", "30"])
    process.stop(proc)
    assert proc.returncode is not None and proc.stdout is not None and proc.stdout.closed
