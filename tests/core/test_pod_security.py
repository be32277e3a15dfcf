"""Pod Security: every rendered pod passes what its namespace enforces, each rule catches what it forbids, and the
rules agree with what a real Kubernetes 1.28 API server said about Promtail."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ca3cli.core import lint, registry, render, settings, template_values
from ca3cli.core.lint.model import KubeObject, pod_templates
from ca3cli.core.lint.policy import admitted_pod, pods_pass_pod_security
from ca3cli.core.podsecurity import namespace, rules
from tests.core.conftest import find, rendered
from tests.fixtures.kubectl import fixture, fixture_json

AGENTS = ("promtail", "alloy")
ENFORCE = namespace.LABEL_PREFIX + "enforce"


@functools.cache
def rendered_objects(milestone: int, agent: str, tls: bool) -> tuple[KubeObject, ...]:
    chosen = settings.parse({"observability": {"log_agent": agent, "image_renderer": True},
                             "tls": {"influxdb": tls, "kafka": tls}})
    return tuple(lint.objects(render.render(chosen, template_values.placeholders(), milestone)))


def pods(objs: tuple[KubeObject, ...] | list[KubeObject]) -> dict[str, dict[str, Any]]:
    """Every pod template by its owner (`k8s/... Kind/name`), as admission sees it."""
    return {pod.owner.where: admitted_pod(pod) for pod in pod_templates(list(objs))}


def enforced(objs: tuple[KubeObject, ...]) -> str:
    return next(o.doc["metadata"]["labels"][ENFORCE] for o in objs if o.kind == "Namespace")


# --- every rendered pod ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tls", [False, True], ids=["tls-off", "tls-on"])
@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("milestone", range(1, registry.HIGHEST + 1))
def test_every_rendered_pod_including_jobs_passes_the_level_its_namespace_enforces(milestone: int, agent: str,
                                                                                    tls: bool) -> None:
    objs = rendered_objects(milestone, agent, tls)
    level = enforced(objs)
    refused = {owner: [str(v) for v in rules.violations(pod, level)] for owner, pod in pods(objs).items()}
    assert {owner: found for owner, found in refused.items() if found} == {}
    assert any("Job/kafka-topic-create" in owner for owner in refused)  # Jobs are among the pods checked


@pytest.mark.parametrize("milestone", range(1, registry.HIGHEST + 1))
def test_with_alloy_every_milestone_enforces_restricted_and_every_pod_passes_it(milestone: int) -> None:
    objs = rendered_objects(milestone, "alloy", False)
    assert enforced(objs) == "restricted"
    assert {rules.strictest_level(pod) for pod in pods(objs).values()} == {"restricted"}


@pytest.mark.parametrize(("milestone", "tls"), [(5, False), (registry.HIGHEST, True)])
def test_promtail_is_exactly_the_one_pod_needing_more_than_restricted_and_why(milestone: int, tls: bool) -> None:
    below = {owner: pod for owner, pod in pods(rendered_objects(milestone, "promtail", tls)).items()
             if rules.strictest_level(pod) != "restricted"}
    assert list(below) == ["k8s/logging/promtail-daemonset.yaml DaemonSet/promtail"]
    promtail = below.popitem()[1]
    assert rules.strictest_level(promtail) == "privileged"
    assert [str(v) for v in rules.violations(promtail, "baseline")] == ['hostPath volumes (volume "pod-logs")']
    assert {v.reason for v in rules.violations(promtail)} == {
        "restricted volume types", "runAsNonRoot != true", "runAsUser=0"}


def test_with_promtail_the_namespace_enforces_privileged_audits_and_warns_restricted_and_says_why() -> None:
    ns = find(list(rendered_objects(5, "promtail", False)), "Namespace", "conveyor-pipeline")["metadata"]
    assert {k: v for k, v in ns["labels"].items() if k.startswith(namespace.LABEL_PREFIX)} == {
        ENFORCE: "privileged", ENFORCE + "-version": "v1.28",
        namespace.LABEL_PREFIX + "audit": "restricted", namespace.LABEL_PREFIX + "audit-version": "v1.28",
        namespace.LABEL_PREFIX + "warn": "restricted", namespace.LABEL_PREFIX + "warn-version": "v1.28"}
    assert "hostPath" in ns["annotations"][namespace.EXCEPTION_ANNOTATION]
    assert "observability.log_agent: alloy" in ns["annotations"][namespace.EXCEPTION_ANNOTATION]


def test_before_milestone_5_promtail_is_not_deployed_so_the_namespace_enforces_restricted() -> None:
    ns = find(list(rendered_objects(4, "promtail", False)), "Namespace", "conveyor-pipeline")["metadata"]
    assert ns["labels"][ENFORCE] == "restricted" and namespace.EXCEPTION_ANNOTATION not in ns["annotations"]


@pytest.mark.parametrize("agent", AGENTS)
def test_each_component_needs_exactly_the_level_the_needs_table_says(agent: str) -> None:
    chosen = settings.parse({"observability": {"log_agent": agent, "image_renderer": True}})
    manifests = render.render(chosen, template_values.placeholders(), registry.HIGHEST)
    for component in registry.components_for(registry.HIGHEST, chosen):
        own = lint.objects(m for m in manifests if m.component == component.name)
        levels = {rules.strictest_level(pod) for pod in pods(own).values()}
        want = component.pod_security.level if component.pod_security else "restricted"
        assert levels <= {want} and (want == "restricted" or levels == {want}), component.name


def test_the_policy_takes_the_loosest_need_of_the_components_it_runs() -> None:
    kafka, alloy, promtail = (registry.COMPONENTS[name] for name in ("kafka", "alloy", "promtail"))
    assert namespace.policy([kafka, alloy]) == namespace.Policy("restricted")
    looser = namespace.policy([kafka, promtail])
    assert promtail.pod_security and looser.level == "privileged"
    assert looser.reasons == (promtail.pod_security.reason,)
    assert set(looser.labels().values()) == {"privileged", "restricted", "v1.28"} and len(looser.labels()) == 6


# --- the rules agree with a real API server ----------------------------------------------------------------------


def server_reasons(text: str) -> set[str]:
    """The reasons in `violates PodSecurity "level:version": reason (detail), reason (detail)`."""
    listed = text.split('": ', 1)[1]
    return set(re.findall(r"(?:^|\), )([^(]+?) \(", listed))


def recorded_promtail() -> dict[str, Any]:
    daemonset = yaml.safe_load(fixture("promtail-rec-tmp.yaml"))
    return daemonset["spec"]["template"]


def test_restricted_reasons_match_the_warning_a_1_28_server_gave_for_promtail() -> None:
    stderr = fixture("podsecurity-warn-restricted-apply-promtail.txt").split("stderr:\n", 1)[1]
    assert server_reasons(stderr) == {v.reason for v in rules.violations(recorded_promtail(), "restricted")}
    assert server_reasons(stderr) == {"restricted volume types", "runAsNonRoot != true", "runAsUser=0"}


def test_baseline_refusal_matches_the_event_a_1_28_server_recorded_for_promtail() -> None:
    refusals = [e["message"] for e in fixture_json("recorded/podsecurity-enforce-baseline-get-events.json")["items"]
                if e["reason"] == "FailedCreate"]
    found = [str(v) for v in rules.violations(recorded_promtail(), "baseline")]
    assert refusals and all(message.endswith(": " + "; ".join(found)) for message in refusals)


# --- each rule catches what it forbids ---------------------------------------------------------------------------


def compliant() -> dict[str, Any]:
    """A pod template restricted admits: non-root, RuntimeDefault seccomp, no escalation, every capability dropped."""
    hardened = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    return {"metadata": {"annotations": {}}, "spec": {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "init", "securityContext": copy.deepcopy(hardened)}],
        "containers": [{"name": "app", "ports": [{"containerPort": 8000}], "securityContext": copy.deepcopy(hardened)}],
        "volumes": [{"name": "config", "configMap": {"name": "app"}}, {"name": "data", "emptyDir": {}}]}}


Change = Callable[[dict[str, Any]], None]


def spec(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda pod: change(pod["spec"])


def app(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda pod: change(pod["spec"]["containers"][0]["securityContext"])


def init(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda pod: change(pod["spec"]["initContainers"][0]["securityContext"])


def pod_context(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda pod: change(pod["spec"]["securityContext"])


VIOLATIONS: list[tuple[str, str, str, Change]] = [
    ("windowsHostProcess", "baseline", "pod hostProcess", pod_context(lambda c: c.update(
        windowsOptions={"hostProcess": True}))),
    ("hostNamespaces", "baseline", "hostNetwork", spec(lambda s: s.update(hostNetwork=True))),
    ("hostNamespaces", "baseline", "hostPID", spec(lambda s: s.update(hostPID=True))),
    ("hostNamespaces", "baseline", "hostIPC", spec(lambda s: s.update(hostIPC=True))),
    ("privileged", "baseline", "privileged container", app(lambda c: c.update(privileged=True))),
    ("privileged", "baseline", "privileged ephemeral container", spec(lambda s: s.update(ephemeralContainers=[
        {"name": "debug", "securityContext": {"privileged": True}}]))),
    ("capabilities_baseline", "baseline", "SYS_ADMIN added", app(lambda c: c["capabilities"].update(
        add=["SYS_ADMIN"]))),
    ("hostPathVolumes", "baseline", "hostPath volume", spec(lambda s: s["volumes"].append(
        {"name": "logs", "hostPath": {"path": "/var/log/pods"}}))),
    ("hostPorts", "baseline", "hostPort", lambda pod: pod["spec"]["containers"][0]["ports"][0].update(hostPort=8000)),
    ("appArmorProfile", "baseline", "unconfined annotation", lambda pod: pod["metadata"]["annotations"].update(
        {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"})),
    ("appArmorProfile", "baseline", "unconfined field", app(lambda c: c.update(
        appArmorProfile={"type": "Unconfined"}))),
    ("seLinuxOptions", "baseline", "spc_t type", pod_context(lambda c: c.update(seLinuxOptions={"type": "spc_t"}))),
    ("seLinuxOptions", "baseline", "user set", app(lambda c: c.update(seLinuxOptions={"user": "system_u"}))),
    ("procMount", "baseline", "unmasked", app(lambda c: c.update(procMount="Unmasked"))),
    ("seccompProfile_baseline", "baseline", "unconfined container", app(lambda c: c.update(
        seccompProfile={"type": "Unconfined"}))),
    ("sysctls", "baseline", "unsafe sysctl", pod_context(lambda c: c.update(sysctls=[
        {"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]))),
    ("restrictedVolumes", "restricted", "nfs volume", spec(lambda s: s["volumes"].append(
        {"name": "share", "nfs": {"server": "nfs", "path": "/"}}))),
    ("allowPrivilegeEscalation", "restricted", "init container unset", init(lambda c: c.pop(
        "allowPrivilegeEscalation"))),
    ("allowPrivilegeEscalation", "restricted", "true", app(lambda c: c.update(allowPrivilegeEscalation=True))),
    ("runAsNonRoot", "restricted", "pod false", pod_context(lambda c: c.update(runAsNonRoot=False))),
    ("runAsNonRoot", "restricted", "unset", pod_context(lambda c: c.pop("runAsNonRoot"))),
    ("runAsUser", "restricted", "container root", app(lambda c: c.update(runAsUser=0))),
    ("seccompProfile_restricted", "restricted", "unset", pod_context(lambda c: c.pop("seccompProfile"))),
    ("capabilities_restricted", "restricted", "drop not ALL", init(lambda c: c.update(capabilities={"drop": []}))),
    ("capabilities_restricted", "restricted", "CHOWN added", app(lambda c: c["capabilities"].update(add=["CHOWN"]))),
]


def changed(change: Change) -> dict[str, Any]:
    pod = compliant()
    change(pod)
    return pod


def test_the_compliant_pod_passes_restricted() -> None:
    assert rules.violations(compliant()) == [] and rules.strictest_level(compliant()) == "restricted"


@pytest.mark.parametrize(("check", "level", "name", "change"), VIOLATIONS, ids=[f"{v[0]}-{v[2]}" for v in VIOLATIONS])
def test_each_rule_catches_a_pod_that_breaks_it_at_its_level(check: str, level: str, name: str,
                                                            change: Change) -> None:
    pod = changed(change)
    assert check in {v.check for v in rules.violations(pod, level)}
    looser = rules.LEVELS[rules.rank(level) - 1]
    assert check not in {v.check for v in rules.violations(pod, looser)}
    assert rules.strictest_level(pod) != "restricted"


def test_every_rule_has_a_case_that_breaks_it() -> None:
    assert {case[0] for case in VIOLATIONS} == {check.id for check in rules.CHECKS}


ALLOWED: list[tuple[str, Change]] = [
    ("NET_BIND_SERVICE added", app(lambda c: c["capabilities"].update(add=["NET_BIND_SERVICE"]))),
    ("runAsNonRoot set on every container instead of the pod", lambda pod: (
        pod["spec"]["securityContext"].pop("runAsNonRoot"),
        [c["securityContext"].update(runAsNonRoot=True) for c in pod["spec"]["initContainers"]
         + pod["spec"]["containers"]])),
    ("Localhost seccomp", pod_context(lambda c: c.update(seccompProfile={"type": "Localhost",
                                                                          "localhostProfile": "ca3.json"}))),
    ("localhost AppArmor annotation", lambda pod: pod["metadata"]["annotations"].update(
        {"container.apparmor.security.beta.kubernetes.io/app": "localhost/ca3"})),
    ("safe sysctl", pod_context(lambda c: c.update(sysctls=[{"name": "net.ipv4.ping_group_range", "value": "0 1"}]))),
    ("container_t SELinux type", app(lambda c: c.update(seLinuxOptions={"type": "container_t", "level": "s0:c1"}))),
    ("Default procMount", app(lambda c: c.update(procMount="Default"))),
    ("persistentVolumeClaim, projected and csi volumes", spec(lambda s: s["volumes"].extend([
        {"name": "pvc", "persistentVolumeClaim": {"claimName": "data"}}, {"name": "token", "projected": {}},
        {"name": "csi", "csi": {"driver": "x"}}]))),
    ("Windows pod without the Linux-only fields", lambda pod: (
        pod["spec"].update(os={"name": "windows"}), pod["spec"]["securityContext"].pop("seccompProfile"),
        [c.pop("securityContext") for c in pod["spec"]["initContainers"] + pod["spec"]["containers"]])),
]


@pytest.mark.parametrize(("name", "change"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_what_restricted_allows_is_not_reported(name: str, change: Change) -> None:
    assert rules.violations(changed(change)) == []


# --- the lint rule -----------------------------------------------------------------------------------------------


def test_lint_finds_a_pod_the_namespace_would_refuse_and_names_the_reason() -> None:
    objs = rendered(1)
    find(objs, "Deployment", "producer")["spec"]["template"]["spec"]["hostNetwork"] = True
    findings = pods_pass_pod_security(objs)
    assert [f.where for f in findings] == ["k8s/producer/producer-deployment.yaml Deployment/producer"]
    assert "enforces Pod Security 'restricted'" in findings[0].message and "hostNetwork=true" in findings[0].message


def test_lint_accepts_promtail_where_the_namespace_enforces_privileged() -> None:
    assert pods_pass_pod_security(list(rendered_objects(5, "promtail", False))) == []
    objs = [KubeObject.of(copy.deepcopy(o.doc), o.path) for o in rendered_objects(5, "promtail", False)]
    find(objs, "Namespace", "conveyor-pipeline")["metadata"]["labels"][ENFORCE] = "baseline"
    assert [f.where for f in pods_pass_pod_security(objs)] == ["k8s/logging/promtail-daemonset.yaml DaemonSet/promtail"]
