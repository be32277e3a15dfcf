"""Grafana and Loki checks (neither can run here) against their recorded-shape APIs behind the stand-in
port-forward; the assertions cover what was asked of the APIs as well as the verdicts."""

from __future__ import annotations

import base64
import urllib.parse

from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.operations.validate import catalogue, runner
from ca3cli.operations.validate.model import Status
from ca3cli.operations.validate.probe import Probe
from tests.fixtures.kubectl import KubectlStub
from tests.validate import api_shapes as api
from tests.validate.conftest import MakeProbe
from tests.validate.kube_objects import NS
from tests.validate.recorded_api import Seen, serve

GRAFANA_IDS = ["m1.grafana-health", "m1.grafana-influxdb-datasource", "m4.grafana-prometheus-datasource",
               "m4.dashboard", "m4.dashboard-refresh", "m5.grafana-loki-datasource"]


def run(ids: list[str], probe: Probe) -> dict[str, tuple[Status, str]]:
    return {r.id: (r.status, r.evidence) for r in runner.run([catalogue.CHECKS[i] for i in ids], probe)}


def test_grafana_checks_read_health_datasources_and_dashboard_as_admin(kubectl_stub: KubectlStub,
                                                                      make_probe: MakeProbe) -> None:
    with serve(api.grafana_routes(to_json(pipeline_dashboard()), loki_ok=False)) as grafana:
        kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=grafana.port)
        kubectl_stub.on("get", "secret", "grafana-admin", stdout=api.grafana_admin_secret())
        seen = run(GRAFANA_IDS, make_probe(5))
    assert {i: s for i, (s, _) in seen.items()} == {**{i: Status.PASS for i in GRAFANA_IDS},
                                                    "m5.grafana-loki-datasource": Status.FAIL}
    assert "ERROR" in seen["m5.grafana-loki-datasource"][1] and "i/o timeout" in seen["m5.grafana-loki-datasource"][1]
    assert "Successfully queried the Prometheus API" in seen["m4.grafana-prometheus-datasource"][1]
    authorised = {s.headers.get("Authorization") for s in grafana.seen if s.path.startswith("/api/datasources")}
    assert authorised == {"Basic " + base64.b64encode(f"admin:{api.GRAFANA_PASSWORD}".encode()).decode()}
    search = next(s.path for s in grafana.seen if s.path.startswith("/api/search"))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(search).query) == {"query": ["CA3 Pipeline Metrics"],
                                                                          "type": ["dash-db"]}
    assert not any(api.GRAFANA_PASSWORD in evidence for _, evidence in seen.values())
    assert kubectl_stub.commands().count("port-forward svc/grafana-service :3000") == 1


def test_missing_dashboard_and_datasource_fail_with_what_was_seen(kubectl_stub: KubectlStub,
                                                                 make_probe: MakeProbe) -> None:
    routes = {**api.grafana_routes(to_json(pipeline_dashboard())), "/api/search": (200, []),
              "/api/datasources": (200, [api.grafana_datasource("influxdb", "http://influxdb-service:8086")])}
    with serve(routes) as grafana:
        kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=grafana.port)
        kubectl_stub.on("get", "secret", "grafana-admin", stdout=api.grafana_admin_secret())
        seen = run(["m4.dashboard", "m4.grafana-prometheus-datasource", "m4.panel-producer-rate"], make_probe(4))
    assert seen == {"m4.dashboard": (Status.FAIL, "no dashboard titled 'CA3 Pipeline Metrics'"),
                    "m4.grafana-prometheus-datasource": (Status.FAIL, "no prometheus datasource in Grafana"),
                    "m4.panel-producer-rate": (Status.FAIL, "no producer panel with a PromQL query in "
                                                            "'CA3 Pipeline Metrics'")}


def loki_answer(seen: Seen) -> tuple[int, dict[str, object]]:
    """Loki's query_range as a cluster with producer, processor and kafka logs but no InfluxDB writes would answer."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query)["query"][0]
    if query.startswith("sum by (app)"):
        return 200, api.loki_answer(api.loki_matrix({"producer": 90, "processor": 60, "kafka": 20}))
    if "Writing to InfluxDB" in query:
        return 200, api.loki_answer(api.loki_streams())
    if 'app="producer"' in query or "Speed:" in query:
        return 200, api.loki_answer(api.loki_streams(({"app": "producer"}, "Speed: 1.31 m/s line-2")))
    return 200, api.loki_answer(api.loki_streams(({"app": "producer"}, "Speed: 1.31"), ({"app": "kafka"}, "INFO")))


def test_loki_checks_query_the_namespace_apps_and_searches(kubectl_stub: KubectlStub, make_probe: MakeProbe) -> None:
    with serve({"/loki/api/v1/query_range": loki_answer}) as loki:
        kubectl_stub.on("port-forward", "svc/loki-service", forward_to=loki.port)
        ids = [c for c in catalogue.CHECKS if c.startswith("m5.loki-") and not c.endswith(("-ready", "-service"))]
        seen = run(ids, make_probe(5))
    assert {i: s for i, (s, _) in seen.items()} == {
        "m5.loki-namespace-query": Status.PASS, "m5.loki-apps": Status.FAIL, "m5.loki-app-filter": Status.PASS,
        "m5.loki-search-speed": Status.PASS, "m5.loki-search-writes": Status.FAIL}
    assert seen["m5.loki-apps"][1].startswith("no logs from influxdb")
    queries = {urllib.parse.parse_qs(urllib.parse.urlsplit(s.path).query)["query"][0] for s in loki.seen}
    assert f'{{namespace="{NS}"}} |= "Speed:"' in queries and f'{{namespace="{NS}", app="producer"}}' in queries
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(loki.seen[0].path).query)
    assert int(params["end"][0]) - int(params["start"][0]) == 15 * 60 * 10**9 and params["direction"] == ["backward"]
