"""`ca3 handin --make`: run, in order, every command whose outputs a MISSING row of the checklist asks for.

The checklist is the state: a step runs only while one of its rows is MISSING (absent, or present but refused by
ca3cli/operations/handin/proofs.py), so a rerun after an interruption or a failure skips what is done and valid.
`plan` and `at_most_s` are pure; `run` calls the operations the commands call (never the commands).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files
from ca3cli.edges.browser import PAGE_TIMEOUT_S
from ca3cli.operations import evidence, preflight
from ca3cli.operations.chaos import filmed
from ca3cli.operations.chaos.catalogue import seed_drills
from ca3cli.operations.chaos.runner import Timing
from ca3cli.operations.handin.checklist import Line, State
from ca3cli.operations.handin.deliverables import (
    CHAOS_RECORD,
    EVIDENCE,
    LOAD_TEST,
    OUTPUTS,
    VALIDATE,
    VALIDATION_JSON,
    VALIDATION_XML,
)
from ca3cli.operations.loadtest import analysis, outputs
from ca3cli.operations.loadtest import run as loadtest_run
from ca3cli.operations.loadtest.model import DEFAULT_REQUEST
from ca3cli.operations.validate import catalogue, milestone, report, runner
from ca3cli.operations.validate.probe import Probe

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings
    from ca3cli.edges.kube import Kubectl

Say = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One command of the road, as the checklist names it, and the longest its waits let it take."""

    command: str
    says: str
    at_most_s: float


@dataclass(frozen=True)
class Context:
    """What every step needs: the cluster, the settings, where the project keeps its outputs, the secrets."""

    kubectl: Kubectl
    settings: Settings
    project: Path
    secrets_folder: Path
    milestone: int
    mirror: TextIO  # where the recorded drill's live view is shown as it is filmed

    @property
    def outputs(self) -> Path:
        return self.project / OUTPUTS


@dataclass(frozen=True)
class Done:
    """How a step ended: None for success, else the one-sentence error it raised."""

    step: Step
    error: str | None = None


def _validate_at_most(milestone: int) -> float:
    checks = catalogue.select(milestone, [])
    return max(c.timeout_s for c in checks) * math.ceil(len(checks) / runner.WORKERS) if checks else 0.0


def _evidence_at_most() -> float:
    return evidence.WAIT_S + len(evidence.FILES) * PAGE_TIMEOUT_S


def _load_test_at_most() -> float:
    asked = DEFAULT_REQUEST
    return asked.baseline_s + asked.ramp_s + asked.duration_s + asked.timeout_s


def _chaos_at_most() -> float:
    timing = Timing()
    each = timing.steady_timeout_s + timing.measure_timeout_s + filmed.SETTLE_INTERVALS * timing.interval_s
    return len(seed_drills()) * each + filmed.VIDEO_MAX_S  # encoding the video takes about as long as it plays


def steps(milestone: int) -> tuple[Step, ...]:
    """The road after `ca3 up`, in order; each step's limit is the sum of the waits in its code."""
    return (
        Step(VALIDATE, "every verification criterion, as JSON and JUnit", _validate_at_most(milestone)),
        Step(EVIDENCE, "the dashboard, Prometheus targets and log-search pictures", _evidence_at_most()),
        Step(LOAD_TEST, "both autoscalers up and back down, with the scaling picture", _load_test_at_most()),
        Step(CHAOS_RECORD, "the resilience drill, measured and filmed", _chaos_at_most()),
    )


def plan(checklist: Sequence[Line], road: Sequence[Step]) -> list[Step]:
    """The steps a MISSING row names, in the road's order."""
    todo = [line.todo for line in checklist if line.state is State.MISSING]
    return [step for step in road if any(step.command in text for text in todo)]


def not_made(checklist: Sequence[Line], road: Sequence[Step]) -> list[Line]:
    """MISSING rows no step makes (a failed check to fix, a deploy log): what `--make` cannot do for you."""
    return [line for line in checklist if line.state is State.MISSING
            and not any(step.command in line.todo for step in road)]


def at_most_s(chosen: Sequence[Step]) -> float:
    return sum(step.at_most_s for step in chosen)


def _validate(ctx: Context, say: Say) -> None:
    chosen, source = milestone.choose(ctx.kubectl, ctx.settings.namespace, ctx.milestone)
    checks = catalogue.select(chosen, [])
    say(f"running {len(checks)} checks of {source}")
    probe = Probe(ctx.kubectl, ctx.settings, chosen, outputs=ctx.project / OUTPUTS)
    outcome = report.Report(chosen, source, tuple(runner.run(checks, probe)))
    files.write(ctx.project, VALIDATION_XML, report.to_junit(outcome))
    files.write(ctx.project, VALIDATION_JSON, json.dumps(report.to_json(outcome), indent=2) + "\n")
    if outcome.failed:
        raise Ca3Error(f"{outcome.counts['FAIL']} of {len(outcome.results)} checks failed; their evidence is in "
                       f"{VALIDATION_JSON}.")


def _evidence(ctx: Context, say: Say) -> None:
    evidence.capture(ctx.kubectl, ctx.settings, ctx.outputs, progress=say)


def _load_test(ctx: Context, say: Say) -> None:
    timeline = loadtest_run.run(ctx.kubectl, ctx.settings, DEFAULT_REQUEST,
                                lambda sample, _: say(f"+{sample.t:.0f} s, {sample.phase}"))
    result = analysis.analyse(timeline)
    outputs.save(ctx.outputs, timeline, result)
    if not result.ok:
        raise Ca3Error("The load test did not observe a full scaling cycle: " + " ".join(result.problems))


def _chaos(ctx: Context, say: Say) -> None:
    timing = Timing()
    finished = filmed.recorded(
        lambda view, pace: filmed.run_drill(ctx.kubectl, ctx.settings, ctx.secrets_folder, seed_drills(), view,
                                            ctx.outputs, timing.interval_s, timing.measure_timeout_s, pace),
        ctx.outputs, ctx.mirror)
    filmed.film(ctx.outputs, lambda done, total: say(f"filming: frame {done} of {total}"))
    failed = [r.name for r in finished.results if not r.passed and r.outcome != "skipped"]
    if failed:
        raise Ca3Error(f"{len(failed)} experiment(s) did not pass: {', '.join(failed)}.")


RUNNERS: dict[str, Callable[[Context, Say], None]] = {
    VALIDATE: _validate, EVIDENCE: _evidence, LOAD_TEST: _load_test, CHAOS_RECORD: _chaos}


def run(ctx: Context, chosen: Sequence[Step], still_missing: Callable[[], Sequence[Line]],
        starting: Callable[[int, Step], None], say: Say) -> list[Done]:
    """Run each chosen step whose rows are still MISSING (`still_missing` judges the checklist again before each
    one); a step that fails is reported and the road goes on, so one broken part does not hide the others."""
    if chosen:
        preflight.reachable(ctx.kubectl)  # one sentence for an absent cluster, not one per step
    done: list[Done] = []
    for number, step in enumerate(chosen, start=1):
        if not plan(still_missing(), [step]):
            continue
        starting(number, step)
        try:
            RUNNERS[step.command](ctx, say)
        except Ca3Error as exc:
            done.append(Done(step, str(exc)))
        else:
            done.append(Done(step))
    return done
