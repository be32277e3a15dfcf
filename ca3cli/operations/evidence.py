"""`ca3 evidence`: the seed's screenshots, all taken by a headless browser (ca3cli/edges/browser.py) through
port-forwards: the `CA3 Pipeline Metrics` dashboard, Prometheus's targets page and Grafana Explore with the seed's
log searches. It needs no image renderer in the cluster, so it works on the default settings.

A picture is only taken once what it shows has data: the dashboard's three seed panels are asked of Prometheus
(the query each panel runs) and the log searches of Loki, until each answers something or the wait ends with a
sentence naming what stayed empty. `pages`, `seed_panels` and `still_empty` are pure; `capture` does the I/O, as
Grafana's admin user whose password it reads from Secret `grafana-admin` and never prints.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ca3cli.core.dashboards import catalogue
from ca3cli.core.dashboards.model import LOKI
from ca3cli.core.errors import Ca3Error
from ca3cli.core.kubeobjects import Secret
from ca3cli.edges import answers, browser, files, kuberead
from ca3cli.edges.kube import Kubectl, secret_value
from ca3cli.edges.portforward import HttpError, basic_auth, forward, request
from ca3cli.operations import preflight, services
from ca3cli.operations.validate.grafana import panel_expr, pick_panel

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

WAIT_S = 300.0  # for data to show; a pipeline that was just deployed needs a few scrape intervals
POLL_S = 5.0
LOG_WINDOW_S = 15 * 60
# A line every healthy processor logs for each batch InfluxDB accepted (apps/processor/processor/pipeline.py).
HEALTHY_KEYWORD = "Writing to InfluxDB"
SEED_PANELS = ("producer", "processor", "influxdb")  # roles as validate's checks pick them (validate/grafana.py)
DASHBOARD = "grafana-dashboard.png"
TARGETS_FILE = "prometheus-targets.png"
EXPLORE = "log-explore.png"
SEARCH = "log-search.png"
SEARCH_ERROR = "log-search-error.png"
FILES = (DASHBOARD, TARGETS_FILE, EXPLORE, SEARCH, SEARCH_ERROR)

TARGETS = "/targets"
CLASSIC_TARGETS = "/classic/targets"


def targets_page(prometheus_url: str, path: str = TARGETS) -> browser.Page:
    """Prometheus's Status > Targets page, ready once a scrape pool shows its `N/M up` count (both UIs show one)."""
    return browser.Page(f"{prometheus_url}{path}", TARGETS_FILE, ready=r"\d+ ?/ ?\d+ up")


def targets_path(prometheus_url: str) -> str:
    """`/targets`, or `/classic/targets` on a Prometheus 2 built without its React UI (Debian's package is)."""
    try:
        request(f"{prometheus_url}{TARGETS}")
    except HttpError as exc:
        if exc.status == 404:
            return CLASSIC_TARGETS
        raise
    return TARGETS


def dashboard_page(grafana_url: str, first_panel: str) -> browser.Page:
    """The `CA3 Pipeline Metrics` dashboard in kiosk mode over the last 15 minutes, ready once its first panel's
    title is shown."""
    query = urllib.parse.urlencode({"orgId": "1", "from": "now-15m", "to": "now", "kiosk": "true", "tz": "UTC"})
    return browser.Page(f"{grafana_url}/d/{catalogue.PIPELINE_UID}/_?{query}", DASHBOARD,
                        ready=f"^{re.escape(first_panel)}$")


def explore_url(grafana_url: str, expr: str, time_from: str = "now-1h") -> str:
    """Grafana Explore opened on the Loki datasource with `expr` (Explore's `panes` URL state)."""
    pane = {"datasource": LOKI["uid"], "range": {"from": time_from, "to": "now"},
            "queries": [{"refId": "A", "datasource": LOKI, "expr": expr, "queryType": "range"}]}
    query = urllib.parse.urlencode({"schemaVersion": "1", "panes": json.dumps({"ca3": pane}), "orgId": "1"})
    return f"{grafana_url}/explore?{query}"


def log_queries(settings: Settings) -> dict[str, str]:
    """Each Explore picture's LogQL: every pod's logs, the search for a line a healthy pipeline always logs, and the
    seed's search for `error` (which a healthy pipeline may well not have)."""
    scope = f'{{namespace="{settings.namespace}"}}'
    return {EXPLORE: scope, SEARCH: f'{scope} |= "{HEALTHY_KEYWORD}"', SEARCH_ERROR: f'{scope} |~ "(?i)error"'}


# Explore's Logs panel, or its "No data" card when a query found nothing (the `error` search of a healthy pipeline).
EXPLORE_READY = r"^(Logs|No data)$"


def explore_pages(settings: Settings, grafana_url: str) -> tuple[browser.Page, ...]:
    """The seed's milestone-5 pictures in Grafana Explore, ready once Explore shows its result."""
    return tuple(browser.Page(explore_url(grafana_url, expr), file, ready=EXPLORE_READY)
                 for file, expr in log_queries(settings).items())


def seed_panels(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Title -> PromQL of the seed's three panels (producer rate, processor rate, InfluxDB writes) in the dashboard
    Grafana serves; a panel that is not there is an error naming it."""
    found = {}
    for role in SEED_PANELS:
        panel = pick_panel(dict(dashboard), role)
        if panel is None:
            raise Ca3Error(f"The dashboard `{catalogue.PIPELINE_UID}` in Grafana has no {role} panel with a PromQL "
                           "query. Deploy milestone 4 or later again (`ca3 deploy -m 5`), then run `ca3 evidence`.")
        found[str(panel.get("title"))] = panel_expr(panel)
    return found


def still_empty(answered: Mapping[str, bool]) -> list[str]:
    """What has shown no data yet, in order."""
    return [name for name, has_data in answered.items() if not has_data]


def prometheus_has_data(prometheus_url: str, expr: str) -> bool:
    """True when the instant query answers at least one sample (what the panel draws right now)."""
    return bool(answers.vector(f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}", timeout=15))


def loki_has_lines(loki_url: str, logql: str, now_ns: int | None = None) -> bool:
    """True when the LogQL query finds at least one line in the last 15 minutes."""
    end = now_ns if now_ns is not None else time.time_ns()
    params = {"query": logql, "start": str(end - LOG_WINDOW_S * 1_000_000_000), "end": str(end), "limit": "1",
              "direction": "backward"}
    found = answers.query_range(f"{loki_url}/loki/api/v1/query_range?{urllib.parse.urlencode(params)}", timeout=15)
    return any(stream.get("values") for stream in found["result"])


Probe = Callable[[], bool]


def wait_for_data(probes: Mapping[str, Probe], timeout_s: float, progress: Callable[[str], None],
                  sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
    """Ask each probe until all have data; after `timeout_s` the error names what stayed empty."""
    deadline = clock() + timeout_s
    pending = list(probes)
    while True:
        pending = still_empty({name: probes[name]() for name in pending})
        if not pending:
            return
        if clock() >= deadline:
            raise Ca3Error(f"After {timeout_s:.0f} s these still showed no data: {'; '.join(pending)}. Check that "
                           "the pipeline runs (`ca3 status`, `ca3 validate -m 5`), then run `ca3 evidence` again "
                           "(--wait sets how long it waits).")
        progress(f"Waiting for data: {'; '.join(pending)} ({max(0.0, deadline - clock()):.0f} s left)...")
        sleep(POLL_S)


def admin_headers(kubectl: Kubectl, name: str) -> dict[str, str]:
    """Basic auth for Grafana's admin, from its Secret `name` in the cluster."""
    secret = kuberead.one(kubectl, Secret, "secret", name)
    return basic_auth(secret_value(secret, "admin-user"), secret_value(secret, "admin-password"))


def pipeline_dashboard(grafana_url: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """The dashboard model Grafana serves for `CA3 Pipeline Metrics`."""
    try:
        answer = answers.json_object(f"{grafana_url}/api/dashboards/uid/{catalogue.PIPELINE_UID}", headers=headers)
    except HttpError as exc:
        if exc.status == 404:
            raise Ca3Error(f"Grafana has no dashboard `{catalogue.PIPELINE_UID}`. Deploy the milestone that "
                           "provisions it (`ca3 deploy -m 5`) and run `ca3 evidence` again.") from None
        raise
    return dict(answer.get("dashboard", {}))


def data_probes(panels: Mapping[str, str], logs: Mapping[str, str], prometheus_url: str,
                loki_url: str) -> dict[str, Probe]:
    """What must show data before the pictures: each seed panel, and each log search that a healthy pipeline has."""
    probes: dict[str, Probe] = {f"panel {title!r} ({expr})": partial(prometheus_has_data, prometheus_url, expr)
                                for title, expr in panels.items()}
    for file in (EXPLORE, SEARCH):
        probes[f"log search {logs[file]} for {file}"] = partial(loki_has_lines, loki_url, logs[file])
    return probes


def capture(kubectl: Kubectl, settings: Settings, out_dir: Path, wait_s: float = WAIT_S,
            progress: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Take every screenshot through port-forwards to Grafana, Prometheus and Loki into `out_dir`; returns the
    files."""
    executable = browser.find()
    preflight.reachable(kubectl)
    deployed = services.deployed(kubectl, settings)
    headers = admin_headers(kubectl, deployed.secret(services.GRAFANA, "admin-password").name)
    files.folder(out_dir)
    with (forward(kubectl, *services.target(deployed, services.GRAFANA)) as grafana,
          forward(kubectl, *services.target(deployed, services.PROMETHEUS)) as prometheus,
          forward(kubectl, *services.target(deployed, services.LOKI)) as loki):
        grafana_url, prometheus_url = grafana.url("").rstrip("/"), prometheus.url("").rstrip("/")
        panels = seed_panels(pipeline_dashboard(grafana_url, headers))
        logs = log_queries(settings)
        wait_for_data(data_probes(panels, logs, prometheus_url, loki.url("").rstrip("/")), wait_s, progress)
        progress("Taking the pictures with the headless browser...")
        written = browser.screenshots([targets_page(prometheus_url, targets_path(prometheus_url))], out_dir,
                                      executable)
        grafana_pages = [dashboard_page(grafana_url, next(iter(panels))), *explore_pages(settings, grafana_url)]
        written += browser.screenshots(grafana_pages, out_dir, executable, headers)
    return written
