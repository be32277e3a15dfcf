"""Dashboards are generated from Python data, provisioned with fixed datasource uids, and match the seed's list."""

from __future__ import annotations

import json
from pathlib import Path

from ca3cli.core import settings
from ca3cli.core.dashboards import catalogue, to_json
from tests.observability.helpers import config, rendered

REQUIRED_PANELS = {
    "Producer rate (events/s)", "Processor consume rate (messages/s)", "InfluxDB writes (points/s)",
    "Consumer lag (messages)", "End-to-end latency p95", "Errors and invalid messages (/s)", "Replicas",
}


def provisioned_dashboards(milestone: int) -> dict[str, dict]:
    data = rendered(milestone)["grafana-dashboard-configmap.yaml"].documents[0]["data"]
    return {name: json.loads(text) for name, text in data.items() if name.endswith(".json")}


def test_pipeline_dashboard_has_the_seed_title_refresh_and_panels():
    board = provisioned_dashboards(4)["ca3-pipeline.json"]
    assert board["title"] == "CA3 Pipeline Metrics"
    assert board["refresh"] == "5s"
    assert {panel["title"] for panel in board["panels"]} >= REQUIRED_PANELS


def test_provisioned_json_is_exactly_what_the_code_generates():
    assert provisioned_dashboards(4)["ca3-pipeline.json"] == to_json(catalogue.pipeline_dashboard())


def test_each_milestone_provisions_only_the_dashboards_its_datasources_serve():
    assert set(provisioned_dashboards(1)) == {"ca3-conveyor-speed.json"}
    assert set(provisioned_dashboards(4)) == {"ca3-conveyor-speed.json", "ca3-pipeline.json"}
    assert set(provisioned_dashboards(5)) == {"ca3-conveyor-speed.json", "ca3-pipeline.json", "ca3-logs.json"}


def test_every_panel_and_query_uses_a_provisioned_datasource_uid():
    datasources = config(rendered(5), "grafana-datasource-configmap.yaml", "datasources.yaml")["datasources"]
    uids = {source["uid"]: source["type"] for source in datasources}
    for board in provisioned_dashboards(5).values():
        for panel in board["panels"]:
            for ref in [panel["datasource"], *(target["datasource"] for target in panel["targets"])]:
                assert uids.get(ref["uid"]) == ref["type"], (board["uid"], panel["title"])


def test_panel_ids_are_unique_and_panels_do_not_overlap():
    for board in provisioned_dashboards(5).values():
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids))
        cells = [(x, y) for p in board["panels"]
                 for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
                 for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])]
        assert len(cells) == len(set(cells)), board["uid"]
        assert all(x < 24 for x, _ in cells)


def test_speed_dashboard_reads_the_configured_bucket_and_the_processors_measurement():
    board = to_json(catalogue.speed_dashboard(settings.parse({"influxdb": {"bucket": "belts"}})))
    flux = board["panels"][0]["targets"][0]["query"]
    assert 'from(bucket: "belts")' in flux
    assert 'r._measurement == "conveyor_speed"' in flux


def test_log_panels_carry_the_seed_searches():
    exprs = [panel["targets"][0]["expr"] for panel in provisioned_dashboards(5)["ca3-logs.json"]["panels"]]
    assert '{namespace="conveyor-pipeline"}' in exprs
    assert '{namespace="conveyor-pipeline", app="producer"}' in exprs
    assert any('|= "Speed:"' in e for e in exprs) and any('|= "Writing to InfluxDB"' in e for e in exprs)
    assert any("error" in e for e in exprs)


def test_the_docs_list_every_pipeline_panel_with_its_query():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "observability.md").read_text()
    for panel in catalogue.pipeline_dashboard().panels:
        assert f"| {panel.title} |" in docs, panel.title
        for query in panel.queries:
            assert f"`{query.expr}`" in docs, query.expr
