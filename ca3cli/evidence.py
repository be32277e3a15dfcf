"""`ca3 evidence`: ask Grafana's image renderer for the dashboard and the error-log panel and save them as PNGs.

`shots` is pure (what to render, where it goes); `capture` does the I/O through one port-forward to Grafana, as the
admin user whose password it reads from Secret `grafana-admin` and never prints.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli import preflight, services
from ca3cli.dashboards import catalogue
from ca3cli.errors import Ca3Error
from ca3cli.kube import Kubectl, secret_value
from ca3cli.portforward import HttpError, basic_auth, forward, request

if TYPE_CHECKING:
    from ca3cli.settings import Settings

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


def shots(settings: Settings) -> tuple[Shot, ...]:
    """The seed's two screenshots: the `CA3 Pipeline Metrics` dashboard and a log search filtered on `error`."""
    # The panel id comes from the same data the dashboards ConfigMap is generated from.
    errors_panel = catalogue.logs_dashboard(settings).panel_id(catalogue.ERRORS_PANEL)
    return (
        Shot("grafana-dashboard.png", catalogue.PIPELINE_UID, "now-15m"),
        Shot("log-search.png", catalogue.LOGS_UID, "now-1h", panel_id=errors_panel, height=800),
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


def capture(kubectl: Kubectl, settings: Settings, out_dir: Path) -> list[Path]:
    """Render every shot through a port-forward to Grafana and write the PNGs into `out_dir`; returns the files."""
    if not settings.observability.image_renderer:
        raise Ca3Error("Grafana's image renderer is not deployed. Set `observability.image_renderer: true` in "
                       "ca3.yaml, run `ca3 deploy -m 5`, then run `ca3 evidence` again.")
    preflight.reachable(kubectl)
    deployed = services.deployed(kubectl, settings)
    headers = admin_headers(kubectl, deployed.secret(services.GRAFANA, "admin-password").name)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    renderer = deployed.workload("image-renderer").ref if deployed.has("image-renderer") else "<renderer pod>"
    with forward(kubectl, *services.target(deployed, services.GRAFANA)) as grafana:
        for shot in shots(settings):
            _check_dashboard(grafana.url(f"/api/dashboards/uid/{shot.dashboard_uid}"), shot.dashboard_uid, headers)
            image = request(grafana.url(shot.path()), headers=headers, timeout=RENDER_TIMEOUT_S)
            if not image.startswith(PNG_MAGIC):
                raise Ca3Error(f"Grafana answered {shot.path()} with something that is not a PNG "
                               f"({image[:80]!r}). Check the renderer's logs: "
                               f"`kubectl logs {renderer}`.")
            path = out_dir / shot.file
            path.write_bytes(image)
            written.append(path)
    return written
