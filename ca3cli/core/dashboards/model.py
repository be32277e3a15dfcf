"""The dashboard model: small dataclasses describe panels and queries; `to_json` turns them into Grafana's JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Fixed datasource uids: the provisioning ConfigMap and every panel refer to these, so links never break.
INFLUXDB = {"type": "influxdb", "uid": "ca3-influxdb"}
PROMETHEUS = {"type": "prometheus", "uid": "ca3-prometheus"}
LOKI = {"type": "loki", "uid": "ca3-loki"}

PANEL_WIDTH = 12  # Grafana's grid is 24 columns wide: two panels a row
PANEL_HEIGHT = 8


@dataclass(frozen=True)
class Query:
    """One query of a panel: PromQL, Flux or LogQL depending on the panel's datasource."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    """One panel; `kind` is Grafana's visualisation type (timeseries, stat, logs)."""

    title: str
    description: str
    datasource: Mapping[str, str]
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"
    width: int = PANEL_WIDTH


@dataclass(frozen=True)
class Dashboard:
    """A dashboard with a fixed uid (stable URL for `ca3 open` and `ca3 evidence`)."""

    uid: str
    title: str
    panels: tuple[Panel, ...]
    refresh: str = "5s"
    time_from: str = "now-15m"
    tags: tuple[str, ...] = ("ca3",)

    def panel_id(self, title: str) -> int:
        """The id `to_json` gives the panel titled `title` (ids are positions, starting at 1)."""
        for number, panel in enumerate(self.panels, start=1):
            if panel.title == title:
                return number
        raise KeyError(title)


def _target(query: Query, ref: str, panel: Panel) -> dict[str, Any]:
    target: dict[str, Any] = {"refId": ref, "datasource": dict(panel.datasource)}
    if panel.datasource["type"] == "influxdb":
        target["query"] = query.expr
    else:
        target["expr"] = query.expr
        target["legendFormat"] = query.legend or "__auto"
    return target


def _layout(panels: tuple[Panel, ...]) -> list[dict[str, int]]:
    """Grid positions: panels flow left to right, wrapping at 24 columns."""
    positions, x, y = [], 0, 0
    for panel in panels:
        if x + panel.width > 24:
            x, y = 0, y + PANEL_HEIGHT
        positions.append({"x": x, "y": y, "w": panel.width, "h": PANEL_HEIGHT})
        x += panel.width
    return positions


def _panel_json(panel: Panel, number: int, grid: dict[str, int]) -> dict[str, Any]:
    refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body: dict[str, Any] = {
        "id": number,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": dict(panel.datasource),
        "gridPos": grid,
        "targets": [_target(q, refs[i], panel) for i, q in enumerate(panel.queries)],
    }
    if panel.kind == "logs":
        body["options"] = {"showTime": True, "wrapLogMessage": True, "sortOrder": "Descending"}
    else:
        body["fieldConfig"] = {"defaults": {"unit": panel.unit}, "overrides": []}
    return body


def to_json(dashboard: Dashboard) -> dict[str, Any]:
    """Grafana's dashboard JSON model for `dashboard` (no `id`: provisioning matches on `uid`)."""
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "tags": list(dashboard.tags),
        "timezone": "browser",
        "editable": False,
        "refresh": dashboard.refresh,
        "time": {"from": dashboard.time_from, "to": "now"},
        "schemaVersion": 41,
        "panels": [
            _panel_json(panel, number, grid)
            for number, (panel, grid) in enumerate(
                zip(dashboard.panels, _layout(dashboard.panels), strict=True), start=1)
        ],
    }
