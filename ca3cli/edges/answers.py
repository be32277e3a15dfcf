"""The JSON answers of Prometheus's and Loki's HTTP APIs, typed where they enter (a GET through a port-forward).

Each parse checks the envelope the API documents (`{"status": "success", "data": {...}}` with the expected
`resultType`) and raises HttpError with what came instead, so a check reports "Prometheus answered ..." rather than
a KeyError; the samples inside are typed, not re-validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

from ca3cli.edges.portforward import HttpError, TlsTarget, get_json


class Sample(TypedDict):
    """One series of an instant vector: its labels and `[unix time, "value as text"]`."""

    metric: dict[str, str]
    value: tuple[float, str]


class Target(TypedDict):
    """One active scrape target of `/api/v1/targets`."""

    labels: dict[str, str]
    discoveredLabels: NotRequired[dict[str, str]]
    scrapeUrl: NotRequired[str]
    health: NotRequired[str]  # up | down | unknown
    lastError: NotRequired[str]


class Stream(TypedDict):
    """One log stream of a Loki `streams` answer: its labels and `[nanosecond time, line]` pairs."""

    stream: dict[str, str]
    values: list[tuple[str, str]]


class RangeData(TypedDict):
    """Loki's `query_range` data: `streams` (a log query, result: Stream) or `matrix` (a metric query, result:
    `{"metric": labels, "values": [[time, "value"]]}`)."""

    resultType: str
    result: list[Any]


def _data(url: str, answer: object) -> dict[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) and answer.get("status") == "success" else None
    if not isinstance(data, dict):
        raise HttpError(f"{url} did not answer with a successful API result: {str(answer)[:200]}")
    return data


def _list(url: str, found: object, what: str) -> list[Any]:
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise HttpError(f"{url} answered without a list of {what}: {str(found)[:200]}")
    return found


def vector(url: str, timeout: float = 10.0) -> list[Sample]:
    """The samples of a Prometheus instant query (`/api/v1/query`): an instant vector."""
    data = _data(url, get_json(url, timeout=timeout))
    if data.get("resultType") != "vector":
        raise HttpError(f"{url} answered a {data.get('resultType')!r}, not an instant vector")
    return cast(list[Sample], _list(url, data.get("result"), "samples"))


def targets(url: str, timeout: float = 10.0) -> list[Target]:
    """The active targets of Prometheus's `/api/v1/targets`."""
    return cast(list[Target], _list(url, _data(url, get_json(url, timeout=timeout)).get("activeTargets"), "targets"))


def query_range(url: str, timeout: float = 10.0) -> RangeData:
    """The `data` of Loki's `/loki/api/v1/query_range`: log streams, or a matrix for a metric query."""
    data = _data(url, get_json(url, timeout=timeout))
    if data.get("resultType") not in ("streams", "matrix"):
        raise HttpError(f"{url} answered a {data.get('resultType')!r}, not log streams or a matrix")
    _list(url, data.get("result"), "results")
    return cast(RangeData, data)


def json_object(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0,
                tls: TlsTarget | None = None) -> dict[str, Any]:
    """A JSON object answer (Grafana's health, a dashboard), or HttpError naming what came instead."""
    answer = get_json(url, headers=headers, timeout=timeout, tls=tls)
    if not isinstance(answer, dict):
        raise HttpError(f"{url} did not answer a JSON object: {str(answer)[:200]}")
    return answer


def json_list(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
    """A JSON list of objects (Grafana's datasources, search hits), or HttpError naming what came instead."""
    return _list(url, get_json(url, headers=headers, timeout=timeout), "objects")
