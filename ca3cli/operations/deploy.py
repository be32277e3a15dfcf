"""Deploy: render, lint, plan, then apply phase by phase and wait for each phase; prune what is no longer rendered.

Manifests go to kubectl on stdin straight from memory (server-side apply, field manager `ca3`), so Secrets are
never written to disk. A phase's waits judge the live objects (kstatus rules, ca3cli/core/readiness.py), by poll and
then by watch event, and stop within one look of a final cause (ca3cli/core/blockers.py), with the evidence of that
moment (ca3cli/operations/diagnose.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

import yaml

from ca3cli.core import blockers, lint, plan, registry, render
from ca3cli.core.errors import Ca3Error, KubectlError, LintError, WaitTimeout
from ca3cli.core.objects import KubeObject
from ca3cli.core.plan import Phase, Plan
from ca3cli.core.podsecurity import owners
from ca3cli.core.podsecurity.namespace import LABEL_PREFIX
from ca3cli.core.readiness import Reading
from ca3cli.core.registry import Wait
from ca3cli.core.render import Manifest
from ca3cli.core.topology import Topology
from ca3cli.edges import kube, lint_verdicts, outage
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import diagnose, influxdb_tokens, preflight, prune
from ca3cli.operations.watched import Watched, kind_of

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

FIELD_MANAGER = "ca3"
APPLY_TIMEOUT_S = 120
POLL_S = 2.0  # between two looks at a phase's waited objects
Mode = Literal["apply", "server-dry-run", "diff"]
RedactFn = Callable[[str], str]  # removes secret values from text shown or logged


class Progress(Protocol):
    """What a wait reports: each waited object's reading at every poll, and how long the API server has not
    answered while a poll is retried."""

    def state(self, resource: str, reading: Reading) -> None: ...

    def unanswered(self, seconds: float) -> None: ...


class Reporter(Progress, Protocol):
    """How deploy tells the command layer what it is doing (the command draws rich progress from it)."""

    def checks(self, checks: list[preflight.Check]) -> None: ...

    def phase(self, phase: Phase, total: int) -> None: ...

    def step(self, text: str) -> None: ...

    def warnings(self, warnings: list[str]) -> None: ...


class RolloutFailed(WaitTimeout):
    """A wait failed; `diagnosis` holds the failing object's pod states, events and last logs."""

    def __init__(self, message: str, diagnosis: diagnose.Diagnosis) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


@dataclass
class Outcome:
    """What a deploy did, for the summary and the run log."""

    plan: Plan
    checks: list[preflight.Check] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # kubectl's per-object lines
    warnings: list[str] = field(default_factory=list)  # the API server's warnings, each once, in order
    pruned: list[KubeObject] = field(default_factory=list)
    replaced: dict[KubeObject, KubeObject] = field(default_factory=dict)  # pruned Job -> the rendered Job replacing it
    diff: str = ""


def prepare(settings: Settings, secrets: Mapping[str, str], milestone: int) -> Plan:
    """Render milestones 1..N, lint the result (a finding stops the deploy) and build the phased plan."""
    manifests = render.render(settings, secrets, registry.check_milestone(milestone))
    findings = lint_verdicts.checked(lint.objects(manifests))
    if findings:
        listed = "\n".join(f"  - {finding}" for finding in findings)
        raise LintError(f"The rendered manifests have {len(findings)} problem(s):\n{listed}\n"
                        "Fix the settings or templates named above, then run `ca3 lint` to check again.")
    return plan.build(milestone, registry.components_for(milestone, settings), manifests)


def stream(manifests: tuple[Manifest, ...]) -> str:
    """The manifests as one multi-document YAML stream for `kubectl ... -f -`, Secrets with their values as `data`."""
    return "".join(("---\n" + applied_text(m).strip() + "\n") for m in manifests)


def applied_text(manifest: Manifest) -> str:
    """What is applied for a rendered file: as written, except that a Secret's `stringData` goes as base64 `data`.

    `stringData` is write-only (the server stores it under `data`), so under server-side apply every apply of it is
    a change and an unchanged redeploy writes a new revision of each Secret (kubernetes/kubernetes#96841, #118519);
    `data` is compared as stored. Rendered files keep `stringData`, which a reader (and the hand-in's placeholders)
    can use.
    """
    if not manifest.is_secret:
        return manifest.text
    return "---\n".join(yaml.safe_dump(as_data(doc), sort_keys=False) for doc in manifest.documents)


def as_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A Secret document with its `stringData` merged into base64 `data` (a `data` key wins, as on the server)."""
    converted = dict(doc)
    strings = converted.pop("stringData", None) or {}
    if strings:
        encoded = {key: base64.b64encode(str(value).encode()).decode() for key, value in strings.items()}
        converted["data"] = {**encoded, **(doc.get("data") or {})}
    return converted


def apply_phase(kubectl: Kubectl, phase: Phase, server_dry_run: bool, redact: RedactFn,
                take_over_labels: bool = False) -> tuple[list[str], list[str]]:
    """Server-side apply of one phase's manifests from stdin: kubectl's per-object lines and the API server's
    warnings (admission, deprecations; kubectl prints them on stderr even when the apply succeeds); a refusal says
    which phase and why.

    With `take_over_labels` the Namespace goes first, alone and with `--force-conflicts`, so ca3 takes over the Pod
    Security labels someone else set and nothing else is forced. Nothing is deleted first: the topic Job's name
    carries a hash of its spec, so an unchanged Job is applied unchanged and a changed one is a new object (the old
    one is pruned after the deploy).
    """
    forced = tuple(m for m in phase.manifests if take_over_labels and is_namespace(m))
    rest = tuple(m for m in phase.manifests if m not in forced)
    lines: list[str] = []
    warnings: list[str] = []
    for manifests, force in ((forced, ["--force-conflicts"]), (rest, [])):
        if manifests:
            result = _apply(kubectl, phase, manifests, [*force, *(["--dry-run=server"] if server_dry_run else [])],
                            redact)
            lines += result.stdout.strip().splitlines()
            warnings += [redact(w) for w in kube.warnings(result.stderr)]
    return lines, warnings


def is_namespace(manifest: Manifest) -> bool:
    return any(doc.get("kind") == "Namespace" for doc in manifest.documents)


def _apply(kubectl: Kubectl, phase: Phase, manifests: tuple[Manifest, ...], flags: list[str],
           redact: RedactFn) -> kube.Result:
    """One `kubectl apply --server-side`; a refusal is a sentence, a field-manager conflict explained."""
    try:
        return kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", *flags, "-f", "-",
                           input=stream(manifests), timeout=APPLY_TIMEOUT_S, mutating="--dry-run=server" not in flags)
    except KubectlError as exc:
        text = redact((exc.stderr or exc.stdout).strip())
        where = f"The cluster refused phase {phase.number} ({', '.join(phase.components)})"
        conflicts = owners.conflict_fields(text)
        if conflicts:
            listed = "\n".join(f"  {line}" for line in conflicts)
            labels = any(LABEL_PREFIX in line for line in conflicts)
            fix = ("these are the namespace's Pod Security labels: run `ca3 deploy --take-over-labels` to make ca3 "
                   "their owner" if labels else "change or remove those fields with the tool that set them (ca3 "
                   "does not force other managers' fields)")
            raise Ca3Error(f"{where}: another field manager set fields ca3 applies, to other values:\n{listed}\n"
                           f"Server-side apply does not overwrite them silently; {fix}, then run `ca3 deploy` "
                           "again.") from exc
        raise Ca3Error(f"{where}:\n{text}\nFix what kubectl names above (a setting in ca3.yaml, or a conflicting "
                       "object) and run `ca3 deploy` again.") from exc


def verdict(wait: Wait, seen: blockers.Observation, reading: Reading, elapsed_s: float, namespace: str) -> str | None:
    """Why this wait fails now (a sentence ending with the fix), or None while it may still become Current."""
    causes = blockers.find(seen, datetime.now(UTC))
    if reading.status == "Failed":  # an unchanged Job keeps its name, so only deleting it makes deploy run it again
        what = f"failed: {reading.message}"
        fix = (f"fix the cause and delete the Job (`kubectl --namespace {namespace} delete {wait.resource}`)"
               if wait.resource.startswith("job/") else "fix the cause")
    elif causes:
        what, fix = f"cannot become ready: {'; '.join(map(str, causes))}", causes[0].fix
    elif elapsed_s >= wait.timeout_s:
        what, fix = f"did not become ready within {wait.timeout_s}s (still {reading.message})", "fix the cause"
    else:
        return None
    return f"{wait.resource} {what}. Its pods, events and last logs are shown above; {fix}"


def wait_phase(kubectl: Kubectl, waits: Sequence[Wait], reporter: Progress, redact: RedactFn,
               again: str = "`ca3 deploy`") -> None:
    """Look at every waited object of a phase until all are Current; stop at the first final cause or timeout.

    The first look polls each object; the kinds of those not Current yet are then watched (ca3cli/operations/
    watched.py), so each later look comes when one of them changes, or POLL_S after the last at the latest. A look
    the API server does not answer is retried until the latest deadline of the objects still awaited, so an API
    server restart inside a wait only shows as "not answering" in the progress view.
    """
    clock = outage.CLOCK
    started, pending = clock.monotonic(), list(waits)
    watched = Watched(kubectl, clock)
    try:
        while pending:
            for wait in list(pending):
                deadline = started + max(w.timeout_s for w in pending)
                seen, reading = outage.ride_out(watched.look(wait.resource), deadline, outage.named(kubectl), again,
                                                reporter.unanswered, clock)
                reporter.state(wait.resource, reading)
                if reading.status == "Current":
                    pending.remove(wait)
                    continue
                failure = verdict(wait, seen, reading, clock.monotonic() - started, str(kubectl.namespace))
                if failure:
                    raise RolloutFailed(redact(f"{failure}, then run {again} again."),
                                        diagnose.collect(kubectl, seen))
            if pending:
                watched.follow(kind_of(w.resource) for w in pending)
                watched.pause(POLL_S)
    finally:
        watched.stop()


def check_cluster(kubectl: Kubectl, settings: Settings, the_plan: Plan | None = None,
                  take_over_labels: bool = False) -> list[preflight.Check]:
    """Preflight (with the plan: who owns the namespace's Pod Security labels); a failing check stops the deploy with
    every failure listed."""
    namespace = next((doc for manifest in the_plan.manifests if is_namespace(manifest)
                      for doc in manifest.documents if doc.get("kind") == "Namespace"), None) if the_plan else None
    checks = preflight.run(kubectl, settings, namespace, take_over_labels)
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


def find_leftovers(kubectl: Kubectl, outcome: Outcome, delete_data: bool) -> Outcome:
    """Managed objects in the cluster that this plan no longer renders, and which of them a new Job replaces."""
    rendered = [doc for manifest in outcome.plan.manifests for doc in manifest.documents]
    live = prune.managed(kubectl)
    outcome.pruned = prune.leftovers(live, rendered, delete_data)
    outcome.replaced = prune.replaced_jobs(live, outcome.pruned, rendered)
    return outcome


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    milestone: int
    mode: Mode = "apply"
    delete_data: bool = False
    take_over_labels: bool = False  # own the namespace's Pod Security labels whoever set them


def preview_diff(kubectl: Kubectl, outcome: Outcome, delete_data: bool, redact: RedactFn) -> Outcome:
    """`--diff`: what applying would change and what pruning would delete; nothing is modified."""
    if not namespace_exists(kubectl):
        count = len(outcome.plan.objects)
        outcome.diff = f"Namespace {kubectl.namespace} does not exist yet: all {count} objects are new."
        return outcome
    outcome.diff = redact(diff(kubectl, outcome.plan))
    return find_leftovers(kubectl, outcome, delete_data)


def run(kubectl: Kubectl, settings: Settings, the_plan: Plan, request: Request, reporter: Reporter,
        redact: RedactFn) -> Outcome:
    """Preflight, then diff, or apply every phase with its waits (server-side dry run: no waits) and prune; once
    InfluxDB is ready, make the processor's and Grafana's tokens again if its Secret lost them."""
    outcome = Outcome(the_plan, checks=check_cluster(kubectl, settings, the_plan, request.take_over_labels))
    reporter.checks(outcome.checks)
    if request.mode == "diff":
        return preview_diff(kubectl, outcome, request.delete_data, redact)
    server_dry_run = request.mode == "server-dry-run"
    if server_dry_run and not namespace_exists(kubectl):
        raise Ca3Error(f"Namespace {kubectl.namespace} does not exist, so the API server cannot check the objects "
                       "in it. Run `ca3 deploy` to create everything, or `ca3 deploy --dry-run` to check offline.")
    for phase in the_plan.phases:
        reporter.phase(phase, len(the_plan.phases))
        applied, warnings = apply_phase(kubectl, phase, server_dry_run, redact, request.take_over_labels)
        outcome.applied += applied
        new = [w for w in dict.fromkeys(warnings) if w not in outcome.warnings]
        if new:
            outcome.warnings += new
            reporter.warnings(new)
        if phase.waits and not server_dry_run:
            reporter.step(f"waiting for {', '.join(w.resource for w in phase.waits)} to become Current")
            wait_phase(kubectl, phase.waits, reporter, redact)
            if influxdb_tokens.COMPONENT in phase.components:
                influxdb_tokens.restore(kubectl, Topology.of_manifests(the_plan.manifests), reporter.step,
                                        reporter.unanswered)
    find_leftovers(kubectl, outcome, request.delete_data)
    if outcome.pruned:
        reporter.step(f"pruning {len(outcome.pruned)} object(s) no longer rendered")
        prune.delete(kubectl, outcome.pruned, server_dry_run=server_dry_run)
    return outcome
