"""Check on the namespace's Pod Security labels: the ones ca3 renders for the components deployed there."""

from __future__ import annotations

from typing import Any

from ca3cli.core import registry
from ca3cli.core.kubeobjects import Namespace
from ca3cli.core.podsecurity import namespace as pod_security
from ca3cli.operations.deployed import recorded
from ca3cli.operations.validate.model import Check, Outcome, verdict
from ca3cli.operations.validate.probe import Probe


def gather(probe: Probe) -> dict[str, Any]:
    """The namespace's labels, and the ones rendering the deployed milestone (its annotation, else -m) would set."""
    found = probe.get(Namespace, "namespace", probe.namespace, namespaced=False)
    deployed = recorded(found) or probe.milestone
    components = registry.components_for(deployed, probe.settings)
    return {"namespace": probe.namespace, "milestone": deployed,
            "labels": (found.get("metadata") or {}).get("labels") or {},
            "want": pod_security.policy(components).labels()}


def decide(evidence: dict[str, Any]) -> Outcome:
    have, want = evidence["labels"], evidence["want"]
    wrong = [f"{key}={have.get(key, '(unset)')} (want {value})"
             for key, value in want.items() if have.get(key) != value]
    modes = ", ".join(f"{mode}={want[pod_security.LABEL_PREFIX + mode]}" for mode in pod_security.MODES)
    version = want[pod_security.LABEL_PREFIX + "enforce-version"]
    return verdict(not wrong, f"{evidence['namespace']}: {modes}, pinned to {version}",
                   f"namespace {evidence['namespace']} has {'; '.join(wrong)}; `ca3 deploy -m {evidence['milestone']}` "
                   "sets them")


CHECKS = (Check("m1.pod-security-labels", gather, decide),)
