"""Which milestone to validate by default: the one `ca3 deploy` recorded on the namespace."""

from __future__ import annotations

from ca3cli.core import registry
from ca3cli.core.errors import Ca3Error, ClusterUnreachable, KubectlError
from ca3cli.edges import kube
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.deployed import ANNOTATION, recorded
from ca3cli.operations.deployed import namespace as read_namespace


def choose(kubectl: Kubectl, namespace: str, requested: int | None) -> tuple[int, str]:
    """The milestone to validate and a sentence saying where it came from.

    Also the run's preflight: an unreachable cluster stops here with one clear error instead of 60 failed checks.
    """
    try:
        found = read_namespace(kubectl, namespace)
    except KubectlError as exc:
        raise ClusterUnreachable(
            f"Cannot read namespace {namespace} from the cluster ({kube.reason(exc.stderr) or 'no output'}). "
            "Check the kube context with `kubectl cluster-info` or pass `--context`."
        ) from None
    if found is None and requested is None:
        raise Ca3Error(f"Namespace {namespace} does not exist, so nothing is deployed. Deploy with "
                       "`ca3 deploy -m N`, or pass `-m N` to validate anyway.")
    if requested is not None:
        return registry.check_milestone(requested), f"milestone {requested} as requested (-m)"
    deployed = recorded(found)
    if deployed is None:
        return registry.HIGHEST, (f"namespace {namespace} has no {ANNOTATION} annotation, so every milestone "
                                  f"1-{registry.HIGHEST} is checked; pass -m N to check fewer")
    return deployed, f"milestone {deployed}, the highest deployed ({ANNOTATION} on namespace {namespace})"
