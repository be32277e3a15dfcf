"""`ca3 handin --make`: the plan read from the checklist, its time from the waits in the code, the dry run without a
cluster, and a run that skips what is done, goes on past a failed step and re-judges before each step."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ca3cli.core.errors import Ca3Error
from ca3cli.core.settings import Settings
from ca3cli.operations.handin import checklist, deliverables, make
from ca3cli.operations.handin.checklist import Line, State
from ca3cli.operations.loadtest.model import DEFAULT_REQUEST
from tests.handin.conftest import Run
from tests.handin.test_planted_evidence import _png

ROAD = make.steps(9)
ORDER = [deliverables.VALIDATE, deliverables.EVIDENCE, deliverables.LOAD_TEST, deliverables.CHAOS_RECORD]


def missing(*todos: str) -> list[Line]:
    return [Line(9, "deliverable", f"row {n}", State.MISSING, f"outputs/{n}", todo=todo)
            for n, todo in enumerate(todos)]


def test_the_plan_is_the_road_order_of_the_commands_missing_rows_name() -> None:
    lines = missing("ca3 chaos --record", "present, but it names outputs/hpa-scaling.png, which is not there; run "
                    "`ca3 load-test`", "FAIL in the last run: fix it, then " + deliverables.VALIDATE)
    assert [s.command for s in make.plan(lines, ROAD)] == [deliverables.VALIDATE, deliverables.LOAD_TEST,
                                                           deliverables.CHAOS_RECORD]
    present = [Line(9, "deliverable", "x", State.PRESENT, "outputs/x.png", datetime.now(UTC))]
    assert make.plan(present, ROAD) == []


def test_each_limit_is_the_sum_of_the_waits_in_its_code() -> None:
    limits = {step.command: step.at_most_s for step in ROAD}
    assert [step.command for step in ROAD] == ORDER
    asked = DEFAULT_REQUEST
    assert limits[deliverables.LOAD_TEST] == asked.baseline_s + asked.ramp_s + asked.duration_s + asked.timeout_s
    assert limits[deliverables.EVIDENCE] == 300 + 5 * 60, "the data wait, then each of the five pages"
    assert make.at_most_s(ROAD) == sum(limits.values())


def test_a_run_skips_steps_made_meanwhile_goes_on_past_a_failure_and_says_each(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    rows = {command: missing(command)[0] for command in ORDER}

    def runner(command: str, fails: bool = False):
        def run(ctx: make.Context, say: make.Say) -> None:
            ran.append(command)
            if command == deliverables.VALIDATE:  # its run also made the evidence (as if by hand meanwhile)
                rows.pop(deliverables.EVIDENCE)
            if fails:
                raise Ca3Error("The load test did not observe a full scaling cycle.")
            rows.pop(command)
        return run

    monkeypatch.setattr(make, "RUNNERS", {c: runner(c, fails=c == deliverables.LOAD_TEST) for c in ORDER})
    monkeypatch.setattr("ca3cli.operations.preflight.reachable", lambda kubectl: None)
    started: list[tuple[int, str]] = []
    context = make.Context(None, Settings(), Path("."), Path(".ca3/secrets"), 9, io.StringIO())  # type: ignore[arg-type]
    done = make.run(context, ROAD, lambda: list(rows.values()), lambda n, s: started.append((n, s.command)),
                    lambda _: None)
    assert ran == [deliverables.VALIDATE, deliverables.LOAD_TEST, deliverables.CHAOS_RECORD]
    assert started == [(1, deliverables.VALIDATE), (3, deliverables.LOAD_TEST), (4, deliverables.CHAOS_RECORD)]
    assert [(d.step.command, d.error) for d in done] == [
        (deliverables.VALIDATE, None),
        (deliverables.LOAD_TEST, "The load test did not observe a full scaling cycle."),
        (deliverables.CHAOS_RECORD, None)]


def test_dry_run_prints_the_road_with_its_time_and_touches_no_cluster(scratch: Path, ca3: Run) -> None:
    done = ca3("handin", "--make", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    positions = [out.index(f". {command}") for command in ORDER]
    assert positions == sorted(positions), out
    total = make.at_most_s(ROAD) / 60
    assert f"--make: 4 step(s), at most {total:.0f} min" in out
    assert "Dry run: nothing was run." in out
    assert not (scratch / "outputs").exists() and not (scratch / "k8s").exists(), "a dry run writes nothing"


def test_a_rerun_plans_only_what_is_still_missing(scratch: Path, ca3: Run) -> None:
    outputs = scratch / "outputs"
    outputs.mkdir()
    for name in ("grafana-dashboard.png", "prometheus-targets.png", "log-explore.png", "log-search.png",
                 "log-search-error.png"):
        (outputs / name).write_bytes(_png())
    done = ca3("handin", "--make", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "ca3 evidence" not in done.stdout and "ca3 load-test" in done.stdout
    (outputs / "log-search.png").write_bytes(b"not a picture")
    assert "ca3 evidence" in ca3("handin", "--make", "--dry-run").stdout, "a picture that does not decode is redone"


def test_dry_run_alone_is_refused_with_the_command_to_use(ca3: Run) -> None:
    done = ca3("handin", "--dry-run")
    assert done.returncode == 2 and "ca3 handin --make --dry-run" in done.stderr


def test_every_step_command_is_what_the_checklist_names() -> None:
    rows = deliverables.deliverables(Settings(), 9, make_makers())
    commands = {row.command for row in rows}
    assert set(ORDER) <= commands | {deliverables.VALIDATE}
    lines = checklist.lines(rows, deliverables.criteria(9), {}, {})
    assert [s.command for s in make.plan(lines, ROAD)] == ORDER


def make_makers() -> deliverables.Makers:
    from ca3cli.operations.handin import submission

    return submission.makers(9, Path("."))


def test_make_without_a_reachable_cluster_stops_with_one_sentence_after_the_plan(scratch: Path, ca3: Run) -> None:
    done = ca3("handin", "--make")
    assert done.returncode == 1
    assert "--make: 4 step(s)" in done.stdout and "[1/4]" not in done.stdout, "no step starts"
    assert "Traceback" not in done.stderr and ("cluster" in done.stderr.lower() or "kubectl" in done.stderr)
    assert done.stdout.count("not made by --make: outputs/deploy-log.txt: ca3 deploy") == 1, "each said once"
