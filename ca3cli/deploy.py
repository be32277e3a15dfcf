"""Deploy: render, lint, plan, then apply phase by phase with real waits; prune what is no longer rendered.

Manifests go to kubectl on stdin straight from memory (server-side apply, field manager `ca3`), so Secrets are
never written to disk; a wait that fails is diagnosed (events, describe, last logs) before deploy stops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ca3cli import diagnose, lint, plan, preflight, prune, registry, render
from ca3cli.errors import Ca3Error, KubectlError, KubectlTimeout, LintError, WaitTimeout
from ca3cli.kube import Kubectl
from ca3cli.plan import ObjectRef, Phase, Plan
from ca3cli.registry import Wait
from ca3cli.render import Manifest
from ca3cli.settings import Settings

FIELD_MANAGER = "ca3"
APPLY_TIMEOUT_S = 120
WAIT_MARGIN_S = 30  # kubectl's own --timeout fires first; this only guards against a hung kubectl
Mode = Literal["apply", "server-dry-run", "diff"]
RedactFn = Callable[[str], str]  # removes secret values from text shown or logged


class Reporter(Protocol):
    """How deploy tells the command layer what it is doing (the command draws rich progress from it)."""

    def checks(self, checks: list[preflight.Check]) -> None: ...

    def phase(self, phase: Phase, total: int) -> None: ...

    def step(self, text: str) -> None: ...


class RolloutFailed(WaitTimeout):
    """A wait failed; `diagnosis` holds the failing object's events, describe output and last logs."""

    def __init__(self, message: str, diagnosis: diagnose.Diagnosis) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


@dataclass
class Outcome:
    """What a deploy did, for the summary and the run log."""

    plan: Plan
    checks: list[preflight.Check] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # kubectl's per-object lines
    pruned: list[ObjectRef] = field(default_factory=list)
    diff: str = ""


def prepare(settings: Settings, secrets: Mapping[str, str], milestone: int) -> Plan:
    """Render milestones 1..N, lint the result (a finding stops the deploy) and build the phased plan."""
    manifests = render.render(settings, secrets, registry.check_deployable(settings, milestone))
    findings = lint.run(lint.objects(manifests))
    if findings:
        listed = "\n".join(f"  - {finding}" for finding in findings)
        raise LintError(f"The rendered manifests have {len(findings)} problem(s):\n{listed}\n"
                        "Fix the settings or templates named above, then run `ca3 lint` to check again.")
    return plan.build(milestone, registry.components_for(milestone, settings), manifests)


def stream(manifests: tuple[Manifest, ...]) -> str:
    """The manifests as one multi-document YAML stream for `kubectl ... -f -`."""
    return "".join(("---\n" + m.text.strip() + "\n") for m in manifests)


def apply_phase(kubectl: Kubectl, phase: Phase, server_dry_run: bool, redact: RedactFn) -> list[str]:
    """Server-side apply of one phase's manifests from stdin; a refusal says which phase and why."""
    dry = ["--dry-run=server"] if server_dry_run else []
    jobs = [prune.kubectl_name(ref) for ref in phase.objects if ref.kind == "Job"]
    if jobs and not server_dry_run:
        # A Job's pod template is immutable and a finished Job never runs again: replace it (its work is idempotent).
        kubectl.run("delete", *jobs, "--ignore-not-found", "--wait=true", timeout=APPLY_TIMEOUT_S,
                    mutating=True)
    try:
        result = kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", *dry, "-f", "-",
                             input=stream(phase.manifests), timeout=APPLY_TIMEOUT_S,
                             mutating=not server_dry_run)
    except KubectlError as exc:
        reason = redact((exc.stderr or exc.stdout).strip())
        raise Ca3Error(f"The cluster refused phase {phase.number} ({', '.join(phase.components)}):\n{reason}\n"
                       "Fix what kubectl names above (a setting in ca3.yaml, or a conflicting object) and run "
                       "`ca3 deploy` again.") from exc
    return result.stdout.strip().splitlines()


def wait_for(kubectl: Kubectl, wait: Wait) -> None:
    """One wait with its own timeout; on failure collect the evidence and raise RolloutFailed."""
    try:
        kubectl.run(*plan.wait_command(wait), timeout=wait.timeout_s + WAIT_MARGIN_S)
    except (KubectlError, KubectlTimeout) as exc:
        detail = (exc.stderr.strip() if isinstance(exc, KubectlError) else str(exc)) or "no output"
        raise RolloutFailed(
            f"{wait.resource} did not become ready within {wait.timeout_s}s ({detail.splitlines()[-1]}). "
            "Its events, description and last logs are shown above; fix the cause and run `ca3 deploy` again.",
            diagnose.collect(kubectl, wait.resource),
        ) from exc


def check_cluster(kubectl: Kubectl, settings: Settings) -> list[preflight.Check]:
    """Preflight; a failing check stops the deploy with every failure listed."""
    checks = preflight.run(kubectl, settings)
    failed = preflight.failures(checks)
    if failed:
        raise Ca3Error("Preflight failed:\n" + "\n".join(f"  - {check.name}: {check.message}" for check in failed))
    return checks


def diff(kubectl: Kubectl, the_plan: Plan) -> str:
    """`kubectl diff` of everything rendered; exit code 1 means "there are changes", not an error."""
    result = kubectl.run("diff", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-",
                         input=stream(the_plan.manifests), ok_codes=(0, 1), timeout=APPLY_TIMEOUT_S)
    return result.stdout


def namespace_exists(kubectl: Kubectl) -> bool:
    """Whether the namespace is there: a server-side dry run or a diff of namespaced objects needs it."""
    found = kubectl.run("get", "namespace", str(kubectl.namespace), "--ignore-not-found", "-o", "name",
                        namespaced=False)
    return bool(found.stdout.strip())


def pruned_objects(kubectl: Kubectl, the_plan: Plan, delete_data: bool) -> list[ObjectRef]:
    """Managed objects in the cluster that this plan no longer renders."""
    rendered = [doc for manifest in the_plan.manifests for doc in manifest.documents]
    return prune.leftovers(prune.managed(kubectl), rendered, delete_data)


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    milestone: int
    mode: Mode = "apply"
    delete_data: bool = False


def preview_diff(kubectl: Kubectl, outcome: Outcome, delete_data: bool, redact: RedactFn) -> Outcome:
    """`--diff`: what applying would change and what pruning would delete; nothing is modified."""
    if not namespace_exists(kubectl):
        count = len(outcome.plan.objects)
        outcome.diff = f"Namespace {kubectl.namespace} does not exist yet: all {count} objects are new."
        return outcome
    outcome.diff = redact(diff(kubectl, outcome.plan))
    outcome.pruned = pruned_objects(kubectl, outcome.plan, delete_data)
    return outcome


def run(kubectl: Kubectl, settings: Settings, the_plan: Plan, request: Request, reporter: Reporter,
        redact: RedactFn) -> Outcome:
    """Preflight, then diff, or apply every phase with its waits (server-side dry run: no waits) and prune."""
    outcome = Outcome(the_plan, checks=check_cluster(kubectl, settings))
    reporter.checks(outcome.checks)
    if request.mode == "diff":
        return preview_diff(kubectl, outcome, request.delete_data, redact)
    server_dry_run = request.mode == "server-dry-run"
    if server_dry_run and not namespace_exists(kubectl):
        raise Ca3Error(f"Namespace {kubectl.namespace} does not exist, so the API server cannot check the objects "
                       "in it. Run `ca3 deploy` to create everything, or `ca3 deploy --dry-run` to check offline.")
    for phase in the_plan.phases:
        reporter.phase(phase, len(the_plan.phases))
        outcome.applied += apply_phase(kubectl, phase, server_dry_run, redact)
        for wait in phase.waits if not server_dry_run else ():
            reporter.step(f"waiting for {wait.resource} (up to {wait.timeout_s}s)")
            wait_for(kubectl, wait)
    outcome.pruned = pruned_objects(kubectl, the_plan, request.delete_data)
    if outcome.pruned:
        reporter.step(f"pruning {len(outcome.pruned)} object(s) no longer rendered")
        prune.delete(kubectl, outcome.pruned, server_dry_run=server_dry_run)
    return outcome
