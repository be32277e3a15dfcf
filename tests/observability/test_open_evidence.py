"""`ca3 evidence` and `ca3 open` against the stand-in kubectl, with a local HTTP server playing Grafana."""

from __future__ import annotations

import base64
import json
import os
import urllib.parse
from pathlib import Path

import pytest

from ca3cli.commands import open as open_command
from ca3cli.core.dashboards import catalogue
from tests.fixtures.kubectl import KubectlStub, fixture
from tests.fixtures.servers import Prometheus
from tests.validate.recorded_api import serve

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PASSWORD = "s3cret-Grafana-pass"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "200")
    for name in [n for n in os.environ if n.startswith("CA3_")]:
        monkeypatch.delenv(name)
    (folder / "ca3.yaml").write_text("observability:\n  image_renderer: true\n")
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


def grafana_routes(render_answer=(200, PNG), pipeline_dashboard=(200, {"dashboard": {}})):
    # Explore is Grafana's single-page UI, which cannot run here: this stand-in answers the one word the browser
    # waits for (the title of Explore's logs panel), and only to the admin.
    return {
        f"/api/dashboards/uid/{catalogue.PIPELINE_UID}": authorised(pipeline_dashboard),
        "/render/": authorised(render_answer),
        "/explore": authorised((200, "Logs")),
    }


def forward_both(kubectl_stub: KubectlStub, grafana_port: int, prometheus: Prometheus) -> None:
    kubectl_stub.on("port-forward", "svc/grafana-service", forward_to=grafana_port)
    kubectl_stub.on("port-forward", "svc/prometheus-service", forward_to=prometheus.server.port)


def test_evidence_renders_the_dashboard_and_browses_targets_and_explore(project, kubectl_stub: KubectlStub, ca3,
                                                                        prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    with serve(grafana_routes()) as grafana:
        forward_both(kubectl_stub, grafana.port, prometheus_with_a_target)
        run = ca3("evidence", "--out", "shots")
    assert run.code == 0, run.text
    assert (project / "shots" / "grafana-dashboard.png").read_bytes() == PNG, "drawn by the image renderer"
    for name in ("grafana-dashboard.png", "prometheus-targets.png", "log-explore.png", "log-search.png"):
        assert (project / "shots" / name).read_bytes().startswith(PNG[:8])
        assert f"shots/{name}" in run.text
    renders = [urllib.parse.urlsplit(s.path) for s in grafana.seen if s.path.startswith("/render/")]
    assert [r.path for r in renders] == [f"/render/d/{catalogue.PIPELINE_UID}/_"]
    explores = [s for s in grafana.seen if s.path.startswith("/explore")]
    queries = [json.loads(urllib.parse.parse_qs(urllib.parse.urlsplit(s.path).query)["panes"][0])["ca3"]
               for s in explores]
    assert [q["queries"][0]["expr"] for q in queries] == [
        '{namespace="conveyor-pipeline"}', '{namespace="conveyor-pipeline"} |~ "(?i)error"']
    assert all(s.headers.get("Authorization", "").startswith("Basic ") for s in explores)
    assert PASSWORD not in run.text


def test_evidence_without_the_renderer_says_how_to_enable_it(project, kubectl_stub: KubectlStub, ca3):
    (project / "ca3.yaml").write_text("observability:\n  image_renderer: false\n")
    run = ca3("evidence")
    assert run.code == 1
    assert "observability.image_renderer: true" in run.text and "ca3 deploy -m 5" in run.text
    assert kubectl_stub.calls == []


def test_evidence_before_milestone_4_names_the_missing_dashboard(project, kubectl_stub: KubectlStub, ca3,
                                                                 prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    with serve(grafana_routes(pipeline_dashboard=(404, {"message": "Dashboard not found"}))) as grafana:
        forward_both(kubectl_stub, grafana.port, prometheus_with_a_target)
        run = ca3("evidence")
    assert run.code == 1
    assert f"no dashboard `{catalogue.PIPELINE_UID}`" in run.text and "ca3 deploy -m 5" in run.text


def test_evidence_without_a_browser_says_how_to_get_one(project, kubectl_stub: KubectlStub, ca3, monkeypatch):
    monkeypatch.setenv("CA3_BROWSER", "no-such-browser")
    run = ca3("evidence")
    assert run.code == 1
    assert "apt-get install chromium" in run.text and "CA3_BROWSER" in run.text
    assert kubectl_stub.calls == [], "it says so before touching the cluster"


def test_evidence_refuses_an_answer_that_is_not_a_png(project, kubectl_stub: KubectlStub, ca3,
                                                     prometheus_with_a_target):
    kubectl_stub.on("get", "secret", "grafana-admin", stdout=admin_secret())
    with serve(grafana_routes(render_answer=(200, "<html>login</html>"))) as grafana:
        forward_both(kubectl_stub, grafana.port, prometheus_with_a_target)
        run = ca3("evidence")
    assert run.code == 1
    assert "not a PNG" in run.text and "kubectl logs deployment/grafana-image-renderer" in run.text
    assert not (project / "outputs" / "grafana-dashboard.png").exists()


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

