"""`ca3 lint`: strict schema validation plus cross-reference and policy rules over rendered manifests.

Every rule is a pure function from the rendered objects to findings; `run` applies them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ca3cli.core.lint import crossref, policy, schema, tls
from ca3cli.core.lint.model import Finding
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


def run(objs: list[KubeObject], versions: tuple[str, ...] = schema.VERSIONS) -> list[Finding]:
    """All findings: schema at each version first, then every cross-reference and policy rule."""
    findings = schema.validate(objs, versions)
    for rule in RULES:
        findings.extend(rule(objs))
    return findings


__all__ = ["RULES", "Finding", "objects", "run"]
