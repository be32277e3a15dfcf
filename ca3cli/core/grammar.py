"""The grammars ca3.yaml values must match in full, each a type that carries the sentence saying what is allowed.

Every string grammar is matched with `re.fullmatch` against a bounded length and excludes quotes, backslashes,
whitespace and control characters, so a value that passes cannot add structure to a manifest, a ConfigMap, a Flux
query or a command line even before the templates quote it (they do, through `yaml_scalar`). The same pattern goes
into the JSON Schema, written for ECMA-262 (`^...$`, no Python-only syntax).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, GetPydanticSchema


class Refused(ValueError):
    """A value outside its grammar; `allowed` completes the sentence "... but must be ALLOWED"."""

    def __init__(self, allowed: str) -> None:
        super().__init__(f"must be {allowed}")
        self.allowed = allowed


def matching(pattern: str, allowed: str, max_length: int, extra: Callable[[str], bool] | None = None,
             before: Callable[[Any], Any] | None = None) -> GetPydanticSchema:
    """Annotation for a string matched in full against `pattern` (and `extra`), at most `max_length` characters
    long, with the pattern in the JSON Schema; `before` may turn a YAML value of another type into the text."""
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if len(value) > max_length or not regex.fullmatch(value) or (extra is not None and not extra(value)):
            raise Refused(allowed)
        return value

    checks: list[Any] = [AfterValidator(check)] + ([BeforeValidator(before)] if before else [])
    validated = Annotated[(str, *checks)]
    return GetPydanticSchema(
        lambda _source, handler: handler.generate_schema(validated),
        lambda schema, handler: {**handler(schema), "pattern": f"^(?:{pattern})$", "maxLength": max_length},
    )


def _no_bool(value: Any) -> Any:
    """YAML reads `yes`/`true` as booleans; a count or a rate is never one, so refuse instead of reading 1."""
    if isinstance(value, bool):
        raise Refused("a number, not true or false")
    return value


NOT_BOOL = BeforeValidator(_no_bool)


_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
DnsLabel = Annotated[str, matching(
    _DNS_LABEL, "a DNS-1123 label: 1-63 lower-case letters, digits or '-', starting and ending with a letter or "
    "digit (e.g. conveyor-pipeline)", 63)]

_DNS_SUBDOMAIN = rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*"
StorageClass = Annotated[str, matching(
    f"(?:{_DNS_SUBDOMAIN})?", "empty (the cluster default) or a StorageClass name: DNS-1123 labels joined by '.', "
    "at most 253 characters (e.g. standard or fast.ssd)", 253)]

# Kubeconfig context names are free text to kubectl, but ca3 passes them on command lines it also prints for the user
# to copy; the real ones (kind-ca3, k3d-ca3, minikube, docker-desktop, kubernetes-admin@kubernetes,
# gke_project_zone_name, arn:aws:eks:region:account:cluster/name, default/api-host:6443/admin) use only these
# characters. A leading '-' would read as a kubectl option.
Context = Annotated[str, matching(
    r"(?:[A-Za-z0-9_][A-Za-z0-9_.:@/+=-]{0,252})?", "empty (kubectl's current context) or a context name of "
    "letters, digits and _ . : @ / + = -, not starting with '-', at most 253 characters (e.g. kind-ca3)", 253)]

# InfluxDB accepts free text for these, but they also go into Flux queries, URLs and a Secret; names that start
# with '_' are InfluxDB's own system buckets.
InfluxName = Annotated[str, matching(
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit "
    "(no spaces or quotes; e.g. conveyor)", 64)]

_QUANTITY_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_QUANTITY_SUFFIX = r"(?:[KMGTPE]i|[numkMGTPE])"


def quantity_value(value: str) -> Decimal:
    """The size a Kubernetes quantity stands for, to compare a request with its limit."""
    scale = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(1000)}
    for power, letter in enumerate("KMGTPE", start=1):
        scale[f"{letter}i"] = Decimal(1024) ** power
        scale.setdefault(letter, Decimal(1000) ** power)
    match = re.fullmatch(f"({_QUANTITY_NUMBER})({_QUANTITY_SUFFIX})?", value)
    if match is None:
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    return Decimal(match[1]) * scale.get(match[2] or "", Decimal(1))


def _positive_quantity(value: str) -> bool:
    return quantity_value(value) > 0


def _number_to_text(value: Any) -> Any:
    """`cpu_limit: 2` in YAML is a number; a quantity is text, so a finite number is taken as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return value


Quantity = Annotated[str, matching(
    f"{_QUANTITY_NUMBER}{_QUANTITY_SUFFIX}?", "a positive Kubernetes quantity: a number with an optional suffix m, "
    "k, M, G, T or Ki, Mi, Gi, Ti (e.g. 250m, 1, 512Mi, 2Gi)", 32, _positive_quantity, _number_to_text)]

JvmHeap = Annotated[str, matching(
    r"[1-9][0-9]{0,5}[kmgKMG]", "a JVM size: a whole number and a unit k, m or g (e.g. 512m, 1g)", 7)]


def _seconds(units: dict[str, int]) -> Callable[[str], int]:
    """How many seconds a duration like 1d12h stands for, in the given units."""
    def seconds(value: str) -> int:
        return sum(int(n) * units[u] for n, u in re.findall(r"([0-9]+)([a-z]+)", value))
    return seconds


_prometheus_seconds = _seconds({"y": 31_536_000, "w": 604_800, "d": 86_400, "h": 3600, "m": 60, "s": 1, "ms": 0})
PrometheusDuration = Annotated[str, matching(
    r"(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?",
    "a Prometheus duration of at least one second: whole numbers with units y, w, d, h, m, s, ms in that order "
    "(e.g. 24h, 7d, 1d12h)", 32, lambda v: _prometheus_seconds(v) >= 1)]

_influx_seconds = _seconds({"w": 604_800, "d": 86_400, "h": 3600, "m": 60, "s": 1})
InfluxDuration = Annotated[str, matching(
    r"(?:[0-9]+(?:w|d|h|m|s))+", "an InfluxDB duration of at least 1h: whole numbers with units w, d, h, m, s "
    "(e.g. 30d, 1w, 72h)", 32, lambda v: _influx_seconds(v) >= 3600)]

# The distribution reference grammar (github.com/distribution/reference): [host[:port]/]path[:tag][@digest].
_HOST_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_HOST = rf"{_HOST_PART}(?:\.{_HOST_PART})*(?::[0-9]{{1,5}})?"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = rf"(?:{_HOST}/)?{_PATH_PART}(?:/{_PATH_PART})*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"sha256:[a-f0-9]{64}"
_REFERENCE = rf"{_REPOSITORY}(?::({_TAG}))?(?:@{_DIGEST})?"


def _pinned(value: str) -> bool:
    """A tag or a digest is given (no tag means `latest`), and the tag is not `latest`."""
    match = re.fullmatch(_REFERENCE, value)
    return match is not None and (match[1] is not None or "@" in value) and match[1] != "latest"


ImageTag = Annotated[str, matching(
    _TAG, "an OCI image tag other than latest: 1-128 letters, digits, '_', '.' or '-', not starting with '.' or "
    "'-' (e.g. 0.1.0)", 128, lambda v: v != "latest")]
RegistryPrefix = Annotated[str, matching(
    _REPOSITORY, "a registry prefix: an optional host[:port]/ and lower-case path parts joined by '/' (e.g. ca3, "
    "localhost:5000/ca3, ghcr.io/you)", 200)]
ImageReference = Annotated[str, matching(
    _REFERENCE, "an image reference [registry/]name:tag or [registry/]name[:tag]@sha256:<64 hex>, with a tag "
    "other than latest or a digest (e.g. apache/kafka:4.3.1)", 255, _pinned)]
