"""The typed door for what kubectl reads: `kubectl get -o json` parsed once, into the shapes of core/kubeobjects.py.

Every read of a Kubernetes object goes through `items`, `listing`, `one`, `maybe` or `version`, so operations and
core take typed objects and never walk an untyped document. The check here is of the envelope (a JSON object; a
list's `items`; each item an object with `metadata.name` and, when it says its kind, the kind asked for): a wrong
answer, e.g. a `kubectl` on PATH that is not kubectl, fails as one sentence instead of a KeyError deep in a check.
The fields inside are the API server's, written to its schema, so they are typed, not re-validated.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from ca3cli.core import kubeobjects as k
from ca3cli.core.errors import KubectlAnswerError
from ca3cli.edges.kube import Kubectl

T = TypeVar("T")

# The kinds a model may carry (an item's `kind`, when kubectl writes it): the model's own name, but for Workload,
# whose status fields several kinds share; a model not listed takes any kind.
KINDS: dict[object, frozenset[str]] = {
    **{model: frozenset({model.__name__}) for model in (
        k.Pod, k.Event, k.Node, k.Namespace, k.Secret, k.ConfigMap, k.Service, k.PersistentVolumeClaim, k.StorageClass,
        k.HorizontalPodAutoscaler, k.NetworkPolicy, k.APIService, k.EndpointSlice)},
    k.Workload: frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "PersistentVolumeClaim",
                           "Node"}),
}


def _argv(kubectl: Kubectl, verb: str, args: tuple[str, ...], namespaced: bool) -> list[str]:
    """The call as run, for the error sentence."""
    return kubectl.command(verb, *args, "-o", "json", namespaced=namespaced)


def _object(doc: Any, model: object, args: list[str], where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise KubectlAnswerError(args, "", f"{where} is {type(doc).__name__}, not an object")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise KubectlAnswerError(args, "", f"{where} has no metadata.name")
    kinds = KINDS.get(model)
    if kinds and "kind" in doc and doc["kind"] not in kinds:
        raise KubectlAnswerError(args, "", f"{where} is of kind {doc['kind']}, not {' or '.join(sorted(kinds))}")
    return doc


def parse_list(doc: Any, model: type[T], args: list[str]) -> list[T]:
    """The items of a listing (no answer, as `--ignore-not-found` gives, is an empty one)."""
    if doc is None:
        return []
    found = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(found, list):
        raise KubectlAnswerError(args, "", "it has no `items` list")
    return [cast(T, _object(item, model, args, f"item {n}")) for n, item in enumerate(found)]


def parse_listing(doc: Any, model: type[T], args: list[str]) -> k.KubeList[T]:
    """A whole listing, for readers that take kubectl's `List` document as it came."""
    if doc is None:
        return {"items": []}
    parse_list(doc, model, args)  # checks the envelope and every item
    return cast(k.KubeList[T], doc)


def parse_object(doc: Any, model: type[T], args: list[str]) -> T | None:
    """One object (None for no answer: `--ignore-not-found` of an object that does not exist)."""
    return None if doc is None else cast(T, _object(doc, model, args, "the object"))


def items(kubectl: Kubectl, model: type[T], *args: str, namespaced: bool = True,
          timeout: float | None = None) -> list[T]:
    """`kubectl get ARGS -o json` of a listing, as typed objects."""
    doc = kubectl.get_json("get", *args, namespaced=namespaced, timeout=timeout)
    return parse_list(doc, model, _argv(kubectl, "get", args, namespaced))


def listing(kubectl: Kubectl, model: type[T], *args: str, namespaced: bool = True,
            timeout: float | None = None) -> k.KubeList[T]:
    """`kubectl get ARGS -o json` of a listing, as the typed `List` document."""
    doc = kubectl.get_json("get", *args, namespaced=namespaced, timeout=timeout)
    return parse_listing(doc, model, _argv(kubectl, "get", args, namespaced))


def one(kubectl: Kubectl, model: type[T], *args: str, namespaced: bool = True, timeout: float | None = None) -> T:
    """`kubectl get KIND NAME -o json` as a typed object (kubectl itself fails when it does not exist)."""
    found = maybe(kubectl, model, *args, namespaced=namespaced, timeout=timeout)
    if found is None:
        raise KubectlAnswerError(_argv(kubectl, "get", args, namespaced), "", "it printed nothing")
    return found


def maybe(kubectl: Kubectl, model: type[T], *args: str, namespaced: bool = True,
          timeout: float | None = None) -> T | None:
    """`kubectl get KIND NAME -o json` as a typed object; None when `--ignore-not-found` among ARGS found none."""
    doc = kubectl.get_json("get", *args, namespaced=namespaced, timeout=timeout)
    return parse_object(doc, model, _argv(kubectl, "get", args, namespaced))


def version(kubectl: Kubectl, *args: str, timeout: float | None = None) -> k.Version:
    """`kubectl version ARGS -o json`: a JSON object, or the call fails as one sentence."""
    doc = kubectl.get_json("version", *args, namespaced=False, timeout=timeout)
    if not isinstance(doc, dict):
        raise KubectlAnswerError(_argv(kubectl, "version", args, False), "", "it is not a JSON object")
    return cast(k.Version, doc)
