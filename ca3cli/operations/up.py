"""`ca3 up` and `ca3 cluster` below the CLI: find the cluster to deploy to, or make a local one, and run the steps.

A kube context that answers is used as it is. Otherwise a local cluster is created when the flavour's tool is on PATH
and Docker runs; when neither, one sentence says which context was tried and what to install or start.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from ca3cli.core import readiness, registry
from ca3cli.core.errors import Ca3Error, ClusterUnreachable, KubectlError, KubectlTimeout
from ca3cli.core.kubeobjects import StorageClass, Workload
from ca3cli.core.readiness import Reading
from ca3cli.core.registry import Wait
from ca3cli.core.topology import Topology
from ca3cli.edges import kuberead, process
from ca3cli.edges.kube import Kubectl
from ca3cli.operations import build, deploy, localcluster, preflight, services, status
from ca3cli.operations.build import INSTALL_HINTS, Step
from ca3cli.operations.certs import names, store
from ca3cli.operations.localcluster import Await, ClusterStep

if TYPE_CHECKING:
    from ca3cli.core.plan import Plan
    from ca3cli.core.settings import Settings
    from ca3cli.operations.project import Project

DOCKER_INFO = Step(["docker", "info"], "check that Docker is running")
STEP_TIMEOUT_S = 360.0  # above the steps' own `--timeout=300s`, so kubectl's message is the one shown
POLL_S = 2.0  # between two looks at what a cluster step waits for
AGAIN_UP = "`ca3 up`"


class Reporter(Protocol):
    """How the command layer shows progress: `step` announces a step and returns the context it runs in (a spinner
    while a quiet kubectl step runs; the other tools stream their own output)."""

    def step(self, number: int, total: int, step: ClusterStep) -> AbstractContextManager[object]: ...


class Screen(Protocol):
    """What `ca3 up` shows: sentences, the steps of a cluster or image stage, and the deploy with its progress."""

    def say(self, text: str) -> None: ...

    def steps(self, title: str) -> Reporter: ...

    def deploy(self, the_plan: Plan, values: Mapping[str, str], request: deploy.Request, context: str) -> None: ...


@dataclass(frozen=True)
class Problem:
    """Why no local cluster can be made, and the fix."""

    what: str
    fix: str


@dataclass(frozen=True)
class Target:
    """Where `ca3 up` deploys: a kube context, and whether a local cluster must be created there first."""

    context: str
    create: bool = False


def engine_problem(flavour: str, installed: Collection[str]) -> Problem | None:
    """Whether the flavour's tool is missing; names the other local tools that are there (pure)."""
    if flavour not in localcluster.FLAVOURS or flavour in installed:
        return None
    others = [tool for tool in localcluster.FLAVOURS if tool in installed]
    if others:
        return Problem(f"{flavour} (cluster.flavour) is not installed but {others[0]} is",
                       f"install {flavour} ({INSTALL_HINTS[flavour]}) or set `cluster.flavour: {others[0]}` "
                       "in ca3.yaml")
    links = _and([f"{tool} ({INSTALL_HINTS[tool]})" for tool in localcluster.FLAVOURS], "or")
    return Problem("kind, k3d and minikube are not installed", f"install one of {links}")


def _and(parts: Sequence[str], word: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    return f" {word} ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def docker_problem() -> Problem | None:
    """Why Docker cannot run a local cluster (`docker info` fails or docker is missing), or None."""
    result = build.probe(DOCKER_INFO)
    if result is None:
        return Problem("Docker is not installed", f"install Docker ({INSTALL_HINTS['docker']})")
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {result.returncode}"
        return Problem(f"Docker is not running (`docker info`: {reason})",
                       f"start Docker ({INSTALL_HINTS['docker']})")
    return None


def local_problems(flavour: str) -> list[Problem]:
    """Everything that stops a local cluster of this flavour being made here."""
    installed = [tool for tool in localcluster.FLAVOURS if process.found(tool)]
    return [p for p in (engine_problem(flavour, installed), docker_problem()) if p is not None]


def choose_local(flavour: str, context: str, tried: str, problems: Sequence[Problem]) -> Target:
    """`context` (empty: the current one) did not answer, as `tried` says: make a local cluster if the settings
    allow it and an engine can (pure)."""
    if flavour not in localcluster.FLAVOURS:
        raise ClusterUnreachable(f"No reachable cluster: {tried}, and ca3 up creates only kind, k3d "
                                 f"or minikube clusters (cluster.flavour is {flavour}); start that cluster, or set "
                                 "`cluster.flavour` to kind, k3d or minikube in ca3.yaml and run `ca3 up` again.")
    local = localcluster.context_name(flavour)
    if context and context != local:
        raise ClusterUnreachable(f"No reachable cluster: {tried}, and ca3 up creates a local cluster "
                                 f"only for the current context or `{local}`; start that cluster, or run "
                                 f"`ca3 --context {local} up` to use a local one.")
    if problems:
        raise ClusterUnreachable(f"No reachable cluster and no local engine: {tried}, "
                                 f"{_and([p.what for p in problems])}; {_and([p.fix for p in problems])}, then run "
                                 "`ca3 up` again (or choose a running cluster with `ca3 --context NAME up`).")
    return Target(local, create=True)


def find_target(kubectl: Kubectl, flavour: str) -> Target:
    """The context to deploy to: the chosen one if it answers, else a local cluster to create."""
    try:
        preflight.reachable(kubectl)
    except ClusterUnreachable as exc:
        current = exc.context
        tried = f"context `{current}` does not answer" if current else "kubectl has no current context"
        return choose_local(flavour, kubectl.context or "", tried, local_problems(flavour))
    return Target(kubectl.context or preflight.current_context(kubectl))


def run_steps(steps: Sequence[ClusterStep], kubectl: Kubectl, reporter: Reporter, again: str) -> None:
    """Each step in order, shown by the reporter while it runs."""
    for number, step in enumerate(steps, 1):
        with reporter.step(number, len(steps), step):
            run_step(step, kubectl, again)


class _Unshown:
    """Deploy's wait reports each poll's reading; a cluster step shows only its spinner."""

    def state(self, resource: str, reading: Reading) -> None:
        """Nothing: the step's line and spinner already say what is awaited."""

    def unanswered(self, seconds: float) -> None:
        """Nothing: a new cluster's API server often restarts while it settles; only an outage past the step's
        deadline is worth a line (the wait's error)."""


def await_ready(step: Await, kubectl: Kubectl, again: str) -> None:
    """Poll what the step waits for as deploy does; a final cause or the timeout fails with the evidence."""
    if step.resource == localcluster.NODES:
        await_nodes(kubectl, step, again)
        return
    scoped = replace(kubectl, namespace=step.namespace)
    try:
        deploy.wait_phase(scoped, [Wait(step.resource, step.timeout_s)], _Unshown(), str, again)
    except deploy.RolloutFailed as exc:
        evidence = exc.diagnosis
        shown = "\n".join([*evidence.pods, *evidence.events,
                           *(f"last logs of {pod}:\n{text}" for pod, text in evidence.logs.items())])
        raise Ca3Error(f"{shown}\n{exc}" if shown else str(exc)) from None


def await_nodes(kubectl: Kubectl, step: Await, again: str) -> None:
    """Every node Ready (its CNI up); at the timeout, each node that is not and its Ready condition's reason."""
    started = time.monotonic()
    while True:
        nodes = kuberead.items(kubectl, Workload, "nodes", namespaced=False)  # readiness reads a Node's conditions
        waiting = [f"{n['metadata']['name']}: {reading.message}" for n in nodes
                   if (reading := readiness.status(n)).status != "Current"]
        if nodes and not waiting:
            return
        if time.monotonic() - started >= step.timeout_s:
            raise Ca3Error(f"The cluster's nodes did not become Ready within {step.timeout_s}s "
                           f"({'; '.join(waiting) or 'no node registered'}). Fix the cause and run {again} again.")
        time.sleep(POLL_S)


def run_step(step: ClusterStep, kubectl: Kubectl, again: str) -> None:
    """Waits polled by ca3; kubectl steps through the one kubectl runner (quiet, with a timeout), the others through
    build's step runner."""
    if isinstance(step, Await):
        await_ready(step, kubectl, again)
        return
    if step.argv[0] != "kubectl":
        build.run(step, again)
        return
    try:
        kubectl.run(*step.argv[1:], input=step.input, timeout=STEP_TIMEOUT_S, namespaced=False, mutating=True)
    except (KubectlError, KubectlTimeout) as exc:
        raise Ca3Error(f"Could not {step.description}: {exc}\nFix the cause and run {again} again.") from exc


def check_engine(flavour: str, again: str) -> None:
    """Before `ca3 cluster create` starts: its tools are on PATH and Docker answers (`ca3 up` checked them already)."""
    for tool in localcluster.tools(flavour):
        build.require(tool, again)
    problem = docker_problem()
    if problem:
        raise Ca3Error(f"Cannot create the {flavour} cluster: {problem.what}; {problem.fix}, then run {again} again.")


def create_cluster(flavour: str, settings: Settings, reporter: Reporter, again: str) -> str:
    """Make the local cluster NAME and check it has a default StorageClass; returns its kube context."""
    steps = localcluster.create_steps(flavour, settings.grafana.node_port)
    context = localcluster.context_name(flavour)
    kubectl = Kubectl(context=context)
    run_steps(steps, kubectl, reporter, f"`ca3 cluster delete --flavour {flavour}`, then {again}")
    classes = kuberead.listing(kubectl, StorageClass, "storageclasses", namespaced=False)
    check = preflight.storage_class_check(classes, settings.cluster.storage_class)
    if check.status == "fail":
        raise Ca3Error(f"The new cluster (context {context}) cannot hold the volumes: {check.message}")
    return context


def delete_cluster(flavour: str, reporter: Reporter, again: str) -> None:
    """Delete the local cluster NAME with the flavour's own tool."""
    run_steps([localcluster.delete_step(flavour)], Kubectl(), reporter, again)


def build_and_load(settings: Settings, context: str, reporter: Reporter) -> None:
    """Build both app images; copy them into the cluster's nodes when it is a local one."""
    flavour = settings.cluster.flavour
    load = flavour if flavour in localcluster.FLAVOURS else ""
    run_steps(build.steps(settings, load=load, context=context), Kubectl(context=context), reporter, AGAIN_UP)


def up(project: Project, milestone: int, screen: Screen, *, take_over_labels: bool = False) -> list[str]:
    """From an initialised project to a deployed milestone: certificates it lacks, the plan (a settings mistake stops
    here, before any slow step), the cluster found or made, the images built and loaded, the deploy; returns the ways
    to reach Grafana there."""
    settings = project.settings
    if names.needed(settings, registry.features(settings, registry.check_milestone(milestone))):
        store.ensure(project.certs_folder, settings)  # like `ca3 certs`: make what is missing, keep the rest
    values = project.values(milestone, real_secrets=True, keys=True)
    the_plan = deploy.prepare(settings, values, milestone)
    target = find_target(project.kubectl(), settings.cluster.flavour)
    if target.create:
        screen.say(f"No cluster answers: creating the local {settings.cluster.flavour} cluster {localcluster.NAME} "
                   "(a few minutes the first time).")
        create_cluster(settings.cluster.flavour, settings, screen.steps("cluster"), AGAIN_UP)
    else:
        screen.say(f"Using the cluster of kube context {target.context}.")
    build_and_load(settings, target.context, screen.steps("images"))
    screen.deploy(the_plan, values, deploy.Request(milestone, take_over_labels=take_over_labels), target.context)
    grafana = Topology.of_manifests(the_plan.manifests).service(services.GRAFANA)
    return status.grafana_access(settings, grafana, context=target.context)
