"""Checks through Grafana's HTTP API: health, NodePort, datasource health, the dashboard and its panels' queries."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from ca3cli.core.kubeobjects import Service
from ca3cli.edges import answers
from ca3cli.edges.portforward import HttpError, basic_auth
from ca3cli.operations import services
from ca3cli.operations.validate.model import Check, Outcome, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.prometheus import query, sample_sum
from ca3cli.operations.validate.tls import INFLUX_OFF

DASHBOARD = "CA3 Pipeline Metrics"
# Grafana's built-in interval variables, replaced so a panel's PromQL can run as an instant query.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "${__rate_interval}": "1m", "$__interval": "30s",
                     "${__interval}": "30s", "$__range": "5m", "${__range}": "5m"}
PANELS = {  # which panel proves which seed panel: title pattern, words that rule a panel out
    "producer": (r"producer", r"replica|error|invalid"),
    "processor": (r"processor|consum", r"replica|error|invalid|lag|latency"),
    "influxdb": (r"influx|database|insert|write", r"error|invalid"),
}


def grafana_url(probe: Probe, path: str) -> str:
    return probe.forward(*services.target(probe.names, services.GRAFANA)).url(path)


def _admin(probe: Probe) -> dict[str, str]:
    """Basic auth as the admin user from Grafana's Secret (the password is never shown)."""
    admin = probe.names.secret(services.GRAFANA, "admin-password").name
    return basic_auth(probe.secret(admin, "admin-user"), probe.secret(admin, "admin-password"))


def grafana_api(probe: Probe, path: str) -> dict[str, Any]:
    """GET a Grafana API path that answers one object (a datasource's health, a dashboard), as the admin."""
    return answers.json_object(grafana_url(probe, path), headers=_admin(probe))


def grafana_list(probe: Probe, path: str) -> list[dict[str, Any]]:
    """GET a Grafana API path that answers a list (datasources, search hits), as the admin."""
    return answers.json_list(grafana_url(probe, path), headers=_admin(probe))


def decide_health(health: dict[str, Any]) -> Outcome:
    return verdict(health.get("database") == "ok", f"Grafana {health.get('version', '?')}, database ok",
                   f"database: {health.get('database')}")


def gather_nodeport(probe: Probe) -> dict[str, Any]:
    name = probe.names.service(services.GRAFANA).name
    return {"name": name, "service": probe.find(Service, "services", name), "want": probe.settings.grafana.node_port}


def decide_nodeport(evidence: dict[str, Any]) -> Outcome:
    service, want = evidence["service"], evidence["want"]
    if service is None:
        return failed(f"Service {evidence['name']} does not exist")
    kind = service["spec"].get("type")
    ports = [p.get("nodePort") for p in service["spec"].get("ports", [])]
    return verdict(kind == "NodePort" and want in ports, f"NodePort {want}: http://<node-address>:{want}",
                   f"type {kind}, nodePorts {ports}, want NodePort {want}")


# --- datasources -----------------------------------------------------------------------------------------------


def gather_datasource(kind: str) -> Any:
    """The datasource of `kind` (prometheus, loki, influxdb) and the answer of its health check."""

    def gather(probe: Probe) -> dict[str, Any]:
        sources = probe.memo(("grafana-datasources",), lambda: grafana_list(probe, "/api/datasources"))
        source = next((s for s in sources if s.get("type") == kind), None)
        if source is None:
            return {"kind": kind, "source": None, "health": {}}
        try:
            health = grafana_api(probe, f"/api/datasources/uid/{source['uid']}/health")
        except HttpError as exc:  # Grafana answers a failing health check with HTTP 400 and the same JSON shape
            health = {"status": "ERROR", "message": exc.body[:200] or str(exc)}
        return {"kind": kind, "source": source, "health": health}

    return gather


def decide_datasource(evidence: dict[str, Any]) -> Outcome:
    source, health = evidence["source"], evidence["health"]
    if source is None:
        return failed(f"no {evidence['kind']} datasource in Grafana")
    text = f"{source.get('name')} ({source.get('url')}): {health.get('status')} {health.get('message', '')}".strip()
    return verdict(health.get("status") == "OK", text, text)


def decide_https_datasource(evidence: dict[str, Any]) -> Outcome:
    source = evidence["source"]
    if source is not None and not str(source.get("url", "")).startswith("https://"):
        return failed(f"{source.get('name')} uses {source.get('url')}, not https://")
    return decide_datasource(evidence)


# --- the dashboard ---------------------------------------------------------------------------------------------


def gather_dashboard(probe: Probe) -> dict[str, Any] | None:
    """The dashboard model of `CA3 Pipeline Metrics`, or None when Grafana has no dashboard of that title."""

    def run() -> dict[str, Any] | None:
        hits = grafana_list(probe, "/api/search?" + urllib.parse.urlencode({"query": DASHBOARD, "type": "dash-db"}))
        hit = next((h for h in hits if h.get("title") == DASHBOARD), None)
        return None if hit is None else grafana_api(probe, f"/api/dashboards/uid/{hit['uid']}")["dashboard"]

    return probe.memo(("grafana-dashboard",), run)


def decide_dashboard(dashboard: dict[str, Any] | None) -> Outcome:
    if dashboard is None:
        return failed(f"no dashboard titled {DASHBOARD!r}")
    return passed(f"uid {dashboard.get('uid')}, {len(list(panels(dashboard)))} panels")


def decide_refresh(dashboard: dict[str, Any] | None) -> Outcome:
    if dashboard is None:
        return failed(f"no dashboard titled {DASHBOARD!r}")
    return verdict(dashboard.get("refresh") == "5s", "refresh 5s", f"refresh {dashboard.get('refresh')!r}, want '5s'")


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    found = []
    for panel in dashboard.get("panels", []):
        found += [panel, *panel.get("panels", [])]
    return [p for p in found if p.get("type") != "row"]


def pick_panel(dashboard: dict[str, Any], role: str) -> dict[str, Any] | None:
    """The first panel whose title names `role` (see PANELS) and that has a query."""
    wanted, excluded = PANELS[role]
    for panel in panels(dashboard):
        title = panel.get("title", "")
        if re.search(wanted, title, re.I) and not re.search(excluded, title, re.I) and panel_expr(panel):
            return panel
    return None


def panel_expr(panel: dict[str, Any]) -> str:
    """The panel's first PromQL expression with Grafana's interval variables replaced."""
    expr = next((t.get("expr", "") for t in panel.get("targets", []) if t.get("expr")), "")
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def panel_check(check_id: str, role: str) -> Check:
    """PASS when the dashboard's panel for `role` returns a value > 0 when its query runs in Prometheus."""

    def gather(probe: Probe) -> dict[str, Any]:
        dashboard = gather_dashboard(probe)
        panel = pick_panel(dashboard, role) if dashboard else None
        samples = query(probe, panel_expr(panel)) if panel else []
        return {"dashboard": dashboard is not None, "panel": panel, "samples": samples}

    def decide(evidence: dict[str, Any]) -> Outcome:
        panel = evidence["panel"]
        if not evidence["dashboard"] or panel is None:
            return failed(f"no {role} panel with a PromQL query in {DASHBOARD!r}")
        value = sample_sum(evidence["samples"]) if evidence["samples"] else None
        shown = f"{panel.get('title')!r}: {panel_expr(panel)} = {'no data' if value is None else f'{value:g}'}"
        return verdict(value is not None and value > 0, shown, shown)

    return Check(check_id, gather, decide)


CHECKS = (
    Check("m1.grafana-nodeport", gather_nodeport, decide_nodeport),
    Check("m1.grafana-health", lambda probe: answers.json_object(grafana_url(probe, "/api/health")), decide_health),
    Check("m1.grafana-influxdb-datasource", gather_datasource("influxdb"), decide_datasource),
    Check("m4.grafana-prometheus-datasource", gather_datasource("prometheus"), decide_datasource),
    Check("m4.dashboard", gather_dashboard, decide_dashboard),
    panel_check("m4.panel-producer-rate", "producer"),
    panel_check("m4.panel-processor-rate", "processor"),
    panel_check("m4.panel-influxdb-writes", "influxdb"),
    Check("m4.dashboard-refresh", gather_dashboard, decide_refresh),
    Check("m5.grafana-loki-datasource", gather_datasource("loki"), decide_datasource),
    Check("m7.grafana-influxdb-https", gather_datasource("influxdb"), decide_https_datasource,
          skip=INFLUX_OFF),
)
