"""`ca3 evidence`: the seed's screenshots. Grafana's image renderer draws the `CA3 Pipeline Metrics` dashboard; a
headless browser (ca3cli/edges/browser.py) takes Prometheus's targets page and Grafana Explore with the seed's log
queries.

`shots`, `targets_page` and `explore_pages` are pure (what to take, where it goes); `capture` does the I/O through
port-forwards to Grafana and Prometheus, as Grafana's admin user whose password it reads from Secret
`grafana-admin` and never prints.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core.dashboards import catalogue
from ca3cli.core.dashboards.model import LOKI
from ca3cli.core.errors import Ca3Error
from ca3cli.edges import browser, files
from ca3cli.edges.kube import Kubectl, secret_value
from ca3cli.edges.portforward import HttpError, basic_auth, forward, request
from ca3cli.operations import preflight, services

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RENDER_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Shot:
    """One image: which dashboard (and panel) Grafana renders, over which time range, into which file."""

    file: str
    dashboard_uid: str
    time_from: str
    panel_id: int | None = None
    width: int = 1600
    height: int = 1000

    def path(self) -> str:
        """Grafana's render URL path: the whole dashboard (`/render/d/`) or one panel (`/render/d-solo/`)."""
        query = {"orgId": "1", "from": self.time_from, "to": "now", "width": str(self.width),
                 "height": str(self.height), "tz": "UTC"}
        if self.panel_id is None:
            return f"/render/d/{self.dashboard_uid}/_?{urllib.parse.urlencode({**query, 'kiosk': 'true'})}"
        query["panelId"] = str(self.panel_id)
        return f"/render/d-solo/{self.dashboard_uid}/_?{urllib.parse.urlencode(query)}"


def shots() -> tuple[Shot, ...]:
    """What the image renderer draws: the seed's `CA3 Pipeline Metrics` dashboard with its three panels."""
    return (Shot("grafana-dashboard.png", catalogue.PIPELINE_UID, "now-15m"),)


TARGETS = "/targets"
CLASSIC_TARGETS = "/classic/targets"


def targets_page(prometheus_url: str, path: str = TARGETS) -> browser.Page:
    """Prometheus's Status > Targets page, ready once a scrape pool shows its `N/M up` count (both UIs show one)."""
    return browser.Page(f"{prometheus_url}{path}", "prometheus-targets.png", ready=r"\d+ ?/ ?\d+ up")


def targets_path(prometheus_url: str) -> str:
    """`/targets`, or `/classic/targets` on a Prometheus 2 built without its React UI (Debian's package is)."""
    try:
        request(f"{prometheus_url}{TARGETS}")
    except HttpError as exc:
        if exc.status == 404:
            return CLASSIC_TARGETS
        raise
    return TARGETS


def explore_url(grafana_url: str, expr: str, time_from: str = "now-1h") -> str:
    """Grafana Explore opened on the Loki datasource with `expr` (Explore's `panes` URL state)."""
    pane = {"datasource": LOKI["uid"], "range": {"from": time_from, "to": "now"},
            "queries": [{"refId": "A", "datasource": LOKI, "expr": expr, "queryType": "range"}]}
    query = urllib.parse.urlencode({"schemaVersion": "1", "panes": json.dumps({"ca3": pane}), "orgId": "1"})
    return f"{grafana_url}/explore?{query}"


def explore_pages(settings: Settings, grafana_url: str) -> tuple[browser.Page, ...]:
    """The seed's milestone-5 pictures in Grafana Explore: logs of every pod, then the search filtered on `error`;
    ready once Explore shows its Logs panel."""
    scope = f'{{namespace="{settings.namespace}"}}'
    return (
        browser.Page(explore_url(grafana_url, scope), "log-explore.png", ready=r"^Logs$"),
        browser.Page(explore_url(grafana_url, f'{scope} |~ "(?i)error"'), "log-search.png", ready=r"^Logs$"),
    )


def admin_headers(kubectl: Kubectl, name: str) -> dict[str, str]:
    """Basic auth for Grafana's admin, from its Secret `name` in the cluster."""
    secret = kubectl.get_json("get", "secret", name)
    return basic_auth(secret_value(secret, "admin-user"), secret_value(secret, "admin-password"))


def _check_dashboard(url: str, uid: str, headers: dict[str, str]) -> None:
    try:
        request(url, headers=headers)
    except HttpError as exc:
        if exc.status == 404:
            raise Ca3Error(f"Grafana has no dashboard `{uid}`. Deploy the milestone that provisions it "
                           "(`ca3 deploy -m 5`) and run `ca3 evidence` again.") from None
        raise


def _render(grafana_url: str, headers: dict[str, str], out_dir: Path, renderer: str) -> list[Path]:
    written = []
    for shot in shots():
        _check_dashboard(f"{grafana_url}/api/dashboards/uid/{shot.dashboard_uid}", shot.dashboard_uid, headers)
        image = request(f"{grafana_url}{shot.path()}", headers=headers, timeout=RENDER_TIMEOUT_S)
        if not image.startswith(PNG_MAGIC):
            raise Ca3Error(f"Grafana answered {shot.path()} with something that is not a PNG "
                           f"({image[:80]!r}). Check the renderer's logs: "
                           f"`kubectl logs {renderer}`.")
        written.append(files.write(out_dir, shot.file, image))
    return written


def capture(kubectl: Kubectl, settings: Settings, out_dir: Path) -> list[Path]:
    """Take every screenshot through port-forwards to Grafana and Prometheus into `out_dir`; returns the files."""
    if not settings.observability.image_renderer:
        raise Ca3Error("Grafana's image renderer is not deployed. Set `observability.image_renderer: true` in "
                       "ca3.yaml, run `ca3 deploy -m 5`, then run `ca3 evidence` again.")
    executable = browser.find()
    preflight.reachable(kubectl)
    deployed = services.deployed(kubectl, settings)
    headers = admin_headers(kubectl, deployed.secret(services.GRAFANA, "admin-password").name)
    files.folder(out_dir)
    renderer = deployed.workload("image-renderer").ref if deployed.has("image-renderer") else "<renderer pod>"
    with (forward(kubectl, *services.target(deployed, services.GRAFANA)) as grafana,
          forward(kubectl, *services.target(deployed, services.PROMETHEUS)) as prometheus):
        grafana_url, prometheus_url = grafana.url("").rstrip("/"), prometheus.url("").rstrip("/")
        written = _render(grafana_url, headers, out_dir, renderer)
        targets = targets_page(prometheus_url, targets_path(prometheus_url))
        written += browser.screenshots([targets], out_dir, executable)
        written += browser.screenshots(explore_pages(settings, grafana_url), out_dir, executable, headers)
    return written
