"""`ca3 evidence` and `ca3 open` against the stand-in kubectl, a real Prometheus, and recorded-shape answers of
Grafana's and Loki's APIs (neither can run here)."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest
from PIL import Image

from ca3cli.commands import open as open_command
from ca3cli.core.dashboards import catalogue
from ca3cli.core.dashboards.model import to_json
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.fixtures.project import project_folder
from tests.fixtures.servers import Prometheus
from tests.validate.api_shapes import loki_answer, loki_streams
from tests.validate.recorded_api import serve

PASSWORD = "s3cret-Grafana-pass"
PIPELINE = to_json(catalogue.pipeline_dashboard())
FIRST_PANEL = PIPELINE["panels"][0]["title"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project on the default settings: no image renderer."""
    folder = project_folder(tmp_path, monkeypatch)
    (folder / "ca3.yaml").write_text("namespace: conveyor-pipeline\n")
    return folder


@pytest.fixture(autouse=True)
def reachable_cluster(kubectl_stub: KubectlStub) -> None:
    """Both commands first check that the cluster answers, as every cluster command does, then read the deployed
    milestone from the namespace (a real recording: milestone 6) to render the names of what they reach."""
    kubectl_stub.on("version", stdout=fixture("recorded/version.json"))
    kubectl_stub.on("get", "namespace", "conveyor-pipeline",
                    stdout=fixture("recorded/get-namespace-conveyor-pipeline.json"))


def admin_secret() -> str:
    encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    return json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "grafana-admin"},
                       "data": {"admin-user": encode("admin"), "admin-password": encode(PASSWORD)}})


def authorised(answer):
    expected = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    return lambda seen: answer if seen.headers.get("Authorization") == expected else (401, {"message": "no"})


def grafana_routes(pipeline_dashboard=None):
    # Grafana's single-page UI cannot run here: this stand-in answers the dashboard's API as Grafana's GET
    # /api/dashboards/uid does, and for the pages the words the browser waits for (the dashboard's first panel
    # title, Explore's logs panel or its empty card), only to the admin.
    answer = pipeline_dashboard or (200, {"dashboard": PIPELINE, "meta": {"type": "db", "provisioned": True}})
    return {
        f"/api/dashboards/uid/{catalogue.PIPELINE_UID}": authorised(answer),
        f"/d/{catalogue.PIPELINE_UID}/": authorised((200, FIRST_PANEL)),
        "/explore": lambda seen: authorised(explore_answer(seen))(seen),
    }


def explore_answer(seen):
    """Explore's Logs panel, or its "No data" card for the `error` search a healthy pipeline finds nothing for."""
    return (200, "No data") if "error" in urllib.parse.unquote_plus(seen.path) else (200, "Logs")


def loki_routes(lines: int = 2):
    """Loki's query_range: `lines` lines of a processor for every query (the shape of a real streams answer)."""
    entries = [({"app": "processor"}, f'{{"message": "Writing to InfluxDB: {n} points accepted"}}')
               for n in range(lines)]
    return {"/loki/api/v1/query_range": (200, loki_answer(loki_streams(*entries)))}


def forward_all(kubectl_stub: KubectlStub, grafana_port: int, prometheus: Prometheus, loki_port: int) -> None:
    kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=grafana_port)
    kubectl_stub.on("port-forward", "svc/prometheus-service", forward_to=prometheus.server.port)
    kubectl_stub.on("port-forward", "svc/loki-service", forward_to=loki_port)


def test_evidence_on_the_default_settings_takes_every_picture_once_the_data_shows(
        project, kubectl_stub: KubectlStub, ca3, prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    with serve(grafana_routes()) as grafana, serve(loki_routes()) as loki:
        forward_all(kubectl_stub, grafana.port, prometheus_with_a_target, loki.port)
        run = ca3("evidence", "--out", "shots", "--wait", "60")
    assert run.code == 0, run.text
    for name in ("grafana-dashboard.png", "prometheus-targets.png", "log-explore.png", "log-search.png",
                 "log-search-error.png"):
        image = Image.open(project / "shots" / name)
        image.load()
        assert image.size == (1600, 1000), name
        assert f"shots/{name}" in run.text
    dashboards = [urllib.parse.urlsplit(s.path) for s in grafana.seen if s.path.startswith("/d/")]
    assert [d.path for d in dashboards] == [f"/d/{catalogue.PIPELINE_UID}/_"]
    assert "kiosk=true" in dashboards[0].query and "from=now-15m" in dashboards[0].query
    explores = [s for s in grafana.seen if s.path.startswith("/explore")]
    queries = [json.loads(urllib.parse.parse_qs(urllib.parse.urlsplit(s.path).query)["panes"][0])["ca3"]
               for s in explores]
    assert [q["queries"][0]["expr"] for q in queries] == [
        '{namespace="conveyor-pipeline"}', '{namespace="conveyor-pipeline"} |= "Writing to InfluxDB"',
        '{namespace="conveyor-pipeline"} |~ "(?i)error"']
    assert all(s.headers.get("Authorization", "").startswith("Basic ") for s in explores + grafana.seen[:1])
    asked = [urllib.parse.parse_qs(urllib.parse.urlsplit(s.path).query)["query"][0] for s in loki.seen]
    assert set(asked) == {'{namespace="conveyor-pipeline"}', '{namespace="conveyor-pipeline"} |= "Writing to InfluxDB"'}
    assert PASSWORD not in run.text
    assert not [c for c in kubectl_stub.commands() if "image-renderer" in c]


def test_a_panel_without_data_is_named_when_the_wait_ends(project, kubectl_stub: KubectlStub, ca3,
                                                          prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    panels = [dict(panel) for panel in PIPELINE["panels"]]
    panels[2] = {**panels[2], "targets": [{"expr": "sum(rate(processor_influxdb_writes_never_total[1m]))"}]}
    dashboard = (200, {"dashboard": {**PIPELINE, "panels": panels}})
    # The first two panels have data once Prometheus holds two scrapes (before, their rate() answers nothing yet).
    prometheus_with_a_target.wait_for('count_over_time(up{job="producer"}[1m])', lambda values: values >= [2.0])
    with serve(grafana_routes(dashboard)) as grafana, serve(loki_routes(lines=0)) as loki:
        forward_all(kubectl_stub, grafana.port, prometheus_with_a_target, loki.port)
        run = ca3("evidence", "--wait", "0")
    assert run.code == 1
    assert f"panel {panels[2]['title']!r}" in run.text, run.text
    assert "log search {namespace=\"conveyor-pipeline\"} for log-explore.png" in run.text
    assert "panel 'Producer rate" not in run.text, "the panels with data are not named"
    assert not list((project / "outputs").glob("*.png")), "no picture is taken before its data shows"


def test_evidence_before_milestone_4_names_the_missing_dashboard(project, kubectl_stub: KubectlStub, ca3,
                                                                 prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    with serve(grafana_routes((404, {"message": "Dashboard not found"}))) as grafana, serve(loki_routes()) as loki:
        forward_all(kubectl_stub, grafana.port, prometheus_with_a_target, loki.port)
        run = ca3("evidence")
    assert run.code == 1
    assert f"no dashboard `{catalogue.PIPELINE_UID}`" in run.text and "ca3 deploy -m 5" in run.text


def test_evidence_without_a_browser_says_how_to_get_one(project, kubectl_stub: KubectlStub, ca3, monkeypatch):
    monkeypatch.setenv("CA3_BROWSER", "no-such-browser")
    run = ca3("evidence")
    assert run.code == 1
    assert "apt-get install chromium" in run.text and "CA3_BROWSER" in run.text
    assert kubectl_stub.calls == [], "it says so before touching the cluster"


@pytest.mark.parametrize(("target", "service", "page"), [
    ("grafana", "svc/grafana-service :3000", "/"), ("prometheus", "svc/prometheus-service :9090", "/targets")])
def test_open_prints_the_forwarded_url_until_interrupted(project, kubectl_stub: KubectlStub, ca3, monkeypatch,
                                                         target, service, page):
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(open_command, "sleep", interrupt)
    kubectl_stub.on("port-forward", forward_to=45678)
    run = ca3("open", target)
    assert run.code == 0, run.text
    assert f"http://127.0.0.1:45678{page}" in run.text and "Stopped forwarding." in run.text
    assert kubectl_stub.commands() == ["version --request-timeout=15s -o json",
                                       "get namespace conveyor-pipeline -o json", f"port-forward {service}"]


def test_open_reports_a_forward_that_fails(project, kubectl_stub: KubectlStub, ca3):
    kubectl_stub.on("port-forward", returncode=1, stderr='error: services "prometheus-service" not found')
    run = ca3("open", "prometheus")
    assert run.code == 1
    assert "prometheus-service" in run.text and "kubectl get svc/prometheus-service" in run.text

