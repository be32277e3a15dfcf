"""`ca3 lint`: strict schema validation plus cross-reference and policy rules over rendered manifests.

Every rule is a pure function from the rendered objects to findings; `run` applies them all. `check` also takes the
objects that passed the strict schemas before (by content, ca3cli/core/lint/verdicts.py) and validates only the
others: jsonschema and the bundled schemas are loaded only when an object is new to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set

from ca3cli.core.lint import crossref, policy, tls, verdicts
from ca3cli.core.lint.model import VERSIONS, Finding
from ca3cli.core.objects import KubeObject
from ca3cli.core.render import Manifest

Rule = Callable[[list[KubeObject]], list[Finding]]

RULES: tuple[Rule, ...] = (
    crossref.selectors_match_pods,
    crossref.statefulset_service_is_headless,
    crossref.ports_exist,
    crossref.configmaps_exist,
    crossref.secrets_exist,
    crossref.service_accounts_exist,
    crossref.hpa_targets_request_cpu,
    policy.images_pinned,
    policy.one_namespace,
    policy.pods_covered_by_network_policy,
    policy.probes_on_long_running,
    policy.pods_pass_pod_security,
    tls.tls_never_skips_verification,
    tls.tls_clients_name_the_ca,
    tls.kafka_listeners_consistent,
)


def objects(manifests: Iterable[Manifest], root: str = "k8s") -> list[KubeObject]:
    """The objects of rendered manifests, each named by the file it is written to."""
    return [KubeObject.of(doc, f"{root}/{m.path}") for m in manifests for doc in m.documents]


def run(objs: list[KubeObject], versions: tuple[str, ...] = VERSIONS) -> list[Finding]:
    """All findings: schema at each version first, then every cross-reference and policy rule."""
    return check(objs, versions)[0]


def check(objs: list[KubeObject], versions: tuple[str, ...] = VERSIONS,
          passed_before: Set[str] = frozenset()) -> tuple[list[Finding], frozenset[str]]:
    """`run`, except that an object whose key (verdicts.keys) at a version is in `passed_before` is not validated
    again at it; with the keys of every object and version that passes the strict schemas now."""
    keyed = [(obj, version, key) for obj in objs
             for version, key in zip(versions, verdicts.keys(obj.doc, versions), strict=True)]
    passed = {key for _, _, key in keyed if key in passed_before}
    findings: list[Finding] = []
    if len(passed) < len(keyed):
        from ca3cli.core.lint import schema  # jsonschema and the bundled schemas: only when something is new

        for obj, version, key in keyed:
            if key in passed:
                continue
            finding = schema.validate_one(obj, version)
            if finding is None:
                passed.add(key)
            else:
                findings.append(finding)
    for rule in RULES:
        findings.extend(rule(objs))
    return findings, frozenset(passed)


__all__ = ["RULES", "VERSIONS", "Finding", "check", "objects", "run"]
