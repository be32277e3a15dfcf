"""Checks through Loki's `query_range` API: logs per namespace and app, label filters and the seed's searches."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from ca3cli.edges import answers
from ca3cli.operations import services
from ca3cli.operations.validate.model import Check, Outcome, failed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.workloads import listing

WINDOW_S = 15 * 60
APPS = ("producer", "processor", "kafka", "influxdb")  # components whose logs Loki must hold
NANOS = 1_000_000_000


def query_range(probe: Probe, logql: str, limit: int = 50) -> answers.RangeData:
    """The `data` of `/loki/api/v1/query_range` over the last 15 minutes, newest first."""
    now = time.time_ns()
    params = {"query": logql, "start": str(now - WINDOW_S * NANOS), "end": str(now), "limit": str(limit),
              "direction": "backward"}
    loki = probe.forward(*services.target(probe.names, services.LOKI))
    return answers.query_range(loki.url("/loki/api/v1/query_range?" + urllib.parse.urlencode(params)), timeout=15)


def lines(data: dict[str, Any]) -> list[tuple[dict[str, str], str]]:
    """(stream labels, log line) pairs of a streams answer."""
    return [(stream.get("stream", {}), value[1]) for stream in data.get("result", [])
            for value in stream.get("values", [])]


def logql_check(check_id: str, selector: Callable[[Probe], str], decide: Callable[[Any], Outcome]) -> Check:
    """A check that runs one LogQL query built from the namespace and judges its answer (with the `app` labels of
    the APPS components' pods, which some decisions compare against)."""

    def gather(probe: Probe) -> dict[str, Any]:
        logql = selector(probe)
        return {"query": logql, "data": query_range(probe, logql), "apps": [probe.names.app(c) for c in APPS]}

    return Check(check_id, gather, decide)


def decide_some_lines(evidence: dict[str, Any]) -> Outcome:
    found = lines(evidence["data"])
    sample = found[0][1][:100] if found else ""
    return verdict(bool(found), f"{evidence['query']}: {len(found)} lines (max 50), e.g. {sample}",
                   f"{evidence['query']}: no lines in the last 15 minutes")


def decide_only_producer(evidence: dict[str, Any]) -> Outcome:
    found, producer = lines(evidence["data"]), evidence["apps"][0]
    others = sorted({labels.get("app", "?") for labels, _ in found} - {producer})
    if not found:
        return failed(f"{evidence['query']}: no lines in the last 15 minutes")
    return verdict(not others, f"{evidence['query']}: {len(found)} lines, all app={producer}",
                   f"{evidence['query']} also returned app {listing(others)}")


def decide_apps(evidence: dict[str, Any]) -> Outcome:
    counts = {s.get("metric", {}).get("app", ""): s.get("values", [[0, "0"]])[-1][1]
              for s in evidence["data"].get("result", [])}
    missing = [app for app in evidence["apps"] if app not in counts]
    shown = ", ".join(f"{app}: {counts[app]}" for app in evidence["apps"] if app in counts)
    return verdict(not missing, f"lines in 15 min by app: {shown}", f"no logs from {listing(missing)} ({shown})")


def namespace(probe: Probe) -> str:
    return f'{{namespace="{probe.namespace}"}}'


CHECKS = (
    logql_check("m5.loki-namespace-query", namespace, decide_some_lines),
    logql_check("m5.loki-apps",
                lambda probe: f"sum by (app) (count_over_time({namespace(probe)}[15m]))", decide_apps),
    logql_check("m5.loki-app-filter",
                lambda probe: f'{{namespace="{probe.namespace}", app="{probe.names.app(APPS[0])}"}}',
                decide_only_producer),
    logql_check("m5.loki-search-speed", lambda probe: f'{namespace(probe)} |= "Speed:"', decide_some_lines),
    logql_check("m5.loki-search-writes", lambda probe: f'{namespace(probe)} |= "Writing to InfluxDB"',
                decide_some_lines),
)
