"""Pod Security labels someone else set on the namespace: preflight reads the namespace's managedFields, names who
set which label and what ca3 needs, and stops before applying; `--take-over-labels` makes ca3 their owner by forcing
the Namespace alone; kubectl's raw server-side apply conflict never reaches the user unexplained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ca3cli.core import render, template_values
from ca3cli.core.podsecurity import owners
from ca3cli.core.podsecurity.namespace import LABEL_PREFIX
from ca3cli.core.settings import Settings
from tests.cluster.conftest import NAMESPACE, Project, Run
from tests.cluster.recorded import namespace_with_owners
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]
ENFORCE = LABEL_PREFIX + "enforce"
WARN = LABEL_PREFIX + "warn"
# kubectl 1.28's text for a server-side apply conflict (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go).
CONFLICT = (f'error: Apply failed with 1 conflict: conflict with "kubectl-label" using v1: .metadata.labels.{ENFORCE}\n'
            "Please review the fields above--they currently have other managers. Here\n"
            "are the ways you can resolve this warning:\n"
            "* If you intend to manage all of these fields, please re-run the apply\n"
            "  command with the `--force-conflicts` flag.\n"
            "* If you do not intend to manage all of the fields, please edit your\n"
            "  manifest to remove references to the fields that should keep their\n"
            "  current managers.\n"
            "* You may co-own fields by updating your manifest to match the existing\n"
            "  value; in this case, you'll become the manager if the other manager(s)\n"
            "  stop managing the field (remove it from their configuration).\n"
            "See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts\n")


def rendered_namespace(milestone: int = 1) -> dict[str, Any]:
    return next(doc for m in render.render(Settings(), template_values.placeholders(), milestone)
                for doc in m.documents if doc["kind"] == "Namespace")


def wanted() -> dict[str, str]:
    return {k: v for k, v in rendered_namespace()["metadata"]["labels"].items() if k.startswith(LABEL_PREFIX)}


def test_only_labels_another_manager_holds_at_another_value_are_foreign() -> None:
    need = wanted()
    live = namespace_with_owners(("kubectl-label", "Update", {ENFORCE: "baseline", WARN: need[WARN]}))
    [foreign] = owners.foreign_labels(live, need, "ca3")
    assert (foreign.key, foreign.value, foreign.wanted) == (ENFORCE, "baseline", need[ENFORCE])
    assert str(foreign) == f"enforce=baseline set by `kubectl-label` (Update) (ca3 needs enforce={need[ENFORCE]})"
    assert owners.foreign_labels(namespace_with_owners(), need, "ca3") == []
    assert owners.foreign_labels(None, need, "ca3") == []


def test_preflight_names_who_set_the_labels_and_what_ca3_needs_and_applies_nothing(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "namespace", NAMESPACE, "--show-managed-fields",
               stdout=namespace_with_owners(("kubectl-label", "Update", {ENFORCE: "baseline"})))
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert (f"pod security labels: namespace {NAMESPACE}'s Pod Security labels were set by someone else: "
            f"enforce=baseline set by `kubectl-label` (Update) (ca3 needs enforce={wanted()[ENFORCE]})") in result.text
    assert "Run `ca3 deploy --take-over-labels` to make ca3 their owner" in result.text
    assert f"`kubectl label namespace {NAMESPACE} {ENFORCE}-`" in result.text
    assert not [c for c in cluster.calls if c.words[0] == "apply"]
    [read] = [c for c in cluster.calls if "--show-managed-fields" in c.words]
    assert read.words[:3] == ["get", "namespace", NAMESPACE] and read.flag("--namespace") is None


def test_take_over_labels_forces_the_namespace_alone_and_says_so(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("get", "namespace", NAMESPACE, "--show-managed-fields",
               stdout=namespace_with_owners(("kubectl-label", "Update", {ENFORCE: "baseline"})))
    result = ca3("deploy", "-m", "1", "--take-over-labels")
    assert result.code == 0, result.text
    assert "--take-over-labels: ca3 applies its namespace with force" in result.text
    applies = [c for c in cluster.calls if c.words[0] == "apply"]
    forced = [c for c in applies if "--force-conflicts" in c.words]
    assert applies[0] is forced[0] and len(forced) == 1
    assert "kind: Namespace" in (forced[0].stdin or "") and (forced[0].stdin or "").count("\nkind: ") == 1
    assert all("kind: Namespace" not in (c.stdin or "") for c in applies[1:])


def test_a_conflict_at_apply_is_explained_without_kubectls_advice(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("apply", stderr=CONFLICT, returncode=1, times=1)  # the labels changed after preflight read them
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    assert ("another field manager set fields ca3 applies, to other values: conflict with \"kubectl-label\" using "
            f"v1: .metadata.labels.{ENFORCE}") in result.text
    assert "run `ca3 deploy --take-over-labels` to make ca3 their owner" in result.text
    assert "--force-conflicts" not in result.text and "Please review" not in result.text


def test_conflict_fields_are_read_from_one_or_several_lines() -> None:
    several = ('error: Apply failed with 2 conflicts: conflicts with "kubectl-label" using v1:\n'
               f"- .metadata.labels.{ENFORCE}\n- .metadata.labels.{WARN}\n"
               "Please review the fields above--they currently have other managers. Here\n")
    assert owners.conflict_fields(several) == ['conflicts with "kubectl-label" using v1:',
                                               f".metadata.labels.{ENFORCE}", f".metadata.labels.{WARN}"]
    assert owners.conflict_fields('Error from server (NotFound): namespaces "x" not found') == []
