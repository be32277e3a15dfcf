"""`m1.pod-security-labels` through the stand-in kubectl: the live namespace's labels against those ca3 renders for the
milestone it recorded on the namespace and the log agent in ca3.yaml."""

from __future__ import annotations

from typing import Any

from ca3cli.core import render, settings, template_values
from ca3cli.core.settings import Settings
from ca3cli.operations.validate import catalogue
from ca3cli.operations.validate.model import Status
from tests.fixtures.kubectl import KubectlStub, fixture_json
from tests.validate.conftest import MakeProbe
from tests.validate.kube_objects import NS

CHECK = catalogue.CHECKS["m1.pod-security-labels"]
ENFORCE = "pod-security.kubernetes.io/enforce"


def rendered_namespace(milestone: int, chosen: Settings) -> dict[str, Any]:
    return next(m for m in render.render(chosen, template_values.placeholders(), milestone)
                if m.component == "namespace").documents[0]


def live(labels: dict[str, str], milestone: int) -> dict[str, Any]:
    """The recorded 1.28 namespace carrying `labels` and the milestone annotation a deploy writes."""
    found = fixture_json("recorded/get-namespace-conveyor-pipeline.json")
    found["metadata"]["labels"] = labels
    found["metadata"]["annotations"] = {"ca3.dev/milestone": str(milestone)}
    return found


def judge(probe: Any) -> tuple[Status, str]:
    outcome = CHECK.decide(CHECK.gather(probe))
    return outcome.status, outcome.evidence


def test_a_namespace_labelled_as_deploy_renders_it_passes_with_promtail_at_milestone_5(
        kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    labels = rendered_namespace(5, Settings())["metadata"]["labels"]
    kubectl_stub.on("get", "namespace", NS, stdout=live(labels, 5))
    status, evidence = judge(make_probe(5))
    assert status is Status.PASS, evidence
    assert evidence == f"{NS}: enforce=privileged, audit=restricted, warn=restricted, pinned to v1.28"


def test_labels_are_judged_for_the_milestone_recorded_on_the_namespace_not_the_one_asked(
        kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    labels = rendered_namespace(4, Settings())["metadata"]["labels"]  # Promtail arrives at 5: restricted until then
    kubectl_stub.on("get", "namespace", NS, stdout=live(labels, 4))
    want = f"{NS}: enforce=restricted, audit=restricted, warn=restricted, pinned to v1.28"
    assert judge(make_probe(9)) == (Status.PASS, want)


def test_the_recorded_namespace_without_labels_fails_naming_each_label_and_the_deploy_that_sets_them(
        kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    kubectl_stub.on("get", "namespace", NS, stdout=fixture_json("recorded/get-namespace-conveyor-pipeline.json"))
    status, evidence = judge(make_probe(6))
    assert status is Status.FAIL
    assert f"{ENFORCE}=(unset) (want privileged)" in evidence and "warn-version=(unset) (want v1.28)" in evidence
    assert evidence.endswith("`ca3 deploy -m 6` sets them")


def test_switching_to_alloy_without_redeploying_fails_because_restricted_is_now_possible(
        kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    labels = rendered_namespace(5, Settings())["metadata"]["labels"]
    kubectl_stub.on("get", "namespace", NS, stdout=live(labels, 5))
    alloy = settings.parse({"observability": {"log_agent": "alloy"}})
    status, evidence = judge(make_probe(5, alloy))
    assert status is Status.FAIL and f"{ENFORCE}=privileged (want restricted)" in evidence
