"""Answers shaped exactly like the real APIs' (Prometheus /api/v1/targets and /api/v1/query, Grafana /api/health,
/api/datasources, /api/datasources/uid/X/health and /api/search, Loki /loki/api/v1/query_range, InfluxDB's Flux
CSV), built from the documented response formats so tests can vary one field at a time."""

from __future__ import annotations

import base64
from typing import Any

NS = "conveyor-pipeline"
NOW_S = 1_796_000_000


def prometheus_target(app: str, health: str = "up", last_error: str = "",
                      pod_ip: str = "10.244.0.17") -> dict[str, Any]:
    """An active target discovered from a pod (job kubernetes-pods), as Prometheus 3 lists it."""
    return {
        "discoveredLabels": {"__address__": f"{pod_ip}:8000", "__meta_kubernetes_namespace": NS,
                             "__meta_kubernetes_pod_label_app": app, "__meta_kubernetes_pod_name": f"{app}-7d9c-x2v4q",
                             "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
                             "__scheme__": "http", "__metrics_path__": "/metrics", "job": "kubernetes-pods"},
        "labels": {"app": app, "instance": f"{pod_ip}:8000", "job": "kubernetes-pods", "namespace": NS,
                   "pod": f"{app}-7d9c-x2v4q"},
        "scrapePool": "kubernetes-pods", "scrapeUrl": f"http://{pod_ip}:8000/metrics",
        "globalUrl": f"http://{pod_ip}:8000/metrics", "lastError": last_error,
        "lastScrape": "2026-11-26T09:00:01.123Z", "lastScrapeDuration": 0.004, "health": health,
        "scrapeInterval": "10s", "scrapeTimeout": "5s",
    }


def prometheus_self_target(health: str = "up") -> dict[str, Any]:
    return {"discoveredLabels": {"__address__": "localhost:9090", "job": "prometheus"},
            "labels": {"instance": "localhost:9090", "job": "prometheus"}, "scrapePool": "prometheus",
            "scrapeUrl": "http://localhost:9090/metrics", "globalUrl": "http://prometheus-7f-abc:9090/metrics",
            "lastError": "", "lastScrape": "2026-11-26T09:00:01Z", "lastScrapeDuration": 0.01, "health": health,
            "scrapeInterval": "10s", "scrapeTimeout": "5s"}


def targets_answer(*targets: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "data": {"activeTargets": list(targets), "droppedTargets": [],
                                          "droppedTargetCounts": {"kubernetes-pods": 0}}}


def sample(value: float, **labels: str) -> dict[str, Any]:
    """One instant-vector sample as /api/v1/query returns it (the value is a string)."""
    return {"metric": labels, "value": [NOW_S, f"{value:g}"]}


def vector_answer(*samples: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "vector", "result": list(samples)}}


def loki_streams(*entries: tuple[dict[str, str], str]) -> dict[str, Any]:
    """The `data` of a Loki streams answer: one stream per entry (labels, line)."""
    result = [{"stream": {"namespace": NS, **labels}, "values": [[str(NOW_S * 10**9 + i), line]]}
              for i, (labels, line) in enumerate(entries)]
    return {"resultType": "streams", "result": result,
            "stats": {"summary": {"bytesProcessedPerSecond": 1, "linesProcessedPerSecond": 1,
                                  "totalBytesProcessed": 1, "totalLinesProcessed": len(entries),
                                  "execTime": 0.01}}}


def loki_matrix(counts: dict[str, int]) -> dict[str, Any]:
    """The `data` of `sum by (app) (count_over_time(...))` over query_range."""
    return {"resultType": "matrix",
            "result": [{"metric": {"app": app}, "values": [[NOW_S - 60, str(n - 1)], [NOW_S, str(n)]]}
                       for app, n in counts.items()],
            "stats": {"summary": {"execTime": 0.01}}}


def loki_answer(data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "data": data}


def grafana_datasource(kind: str, url: str) -> dict[str, Any]:
    """One item of Grafana's GET /api/datasources."""
    return {"id": 3, "uid": f"ca3-{kind}", "orgId": 1, "name": kind.capitalize(), "type": kind,
            "typeName": kind.capitalize(), "typeLogoUrl": "", "access": "proxy", "url": url, "user": "",
            "database": "", "basicAuth": False, "isDefault": kind == "prometheus", "jsonData": {}, "readOnly": True}


def grafana_health(ok: bool = True, message: str = "") -> dict[str, Any]:
    """GET /api/datasources/uid/X/health (Grafana answers a failing one with HTTP 400 and this shape)."""
    return {"status": "OK" if ok else "ERROR", "message": message or ("Data source is working" if ok else
                                                                        "Post \"http://x\": dial tcp: i/o timeout")}


def grafana_search_hit(title: str, uid: str) -> dict[str, Any]:
    return {"id": 7, "uid": uid, "orgId": 1, "title": title, "uri": f"db/{uid}", "url": f"/d/{uid}/{uid}",
            "slug": "", "type": "dash-db", "tags": ["ca3"], "isStarred": False, "sortMeta": 0,
            "folderUid": "ca3", "folderTitle": "ca3"}


def influx_count_csv(count: int | None) -> str:
    """A Flux answer with `dialect: {header: true, annotations: []}`: no rows at all when nothing was written."""
    if count is None:
        return "\r\n"
    return f",result,table,_value\r\n,_result,0,{count}\r\n\r\n"


GRAFANA_PASSWORD = "s3cr3t-password"


def grafana_admin_secret() -> dict[str, Any]:
    """Secret grafana-admin as `kubectl get secret grafana-admin -o json` prints it."""
    encoded = {"admin-user": base64.b64encode(b"admin").decode(),
               "admin-password": base64.b64encode(GRAFANA_PASSWORD.encode()).decode()}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": encoded,
            "metadata": {"name": "grafana-admin", "namespace": NS, "uid": "uid-grafana-admin"}}


def grafana_routes(dashboard: dict[str, Any], loki_ok: bool = True) -> dict[str, Any]:
    """Grafana's API for the recorded server: health, datasources by fixed uid, their health, the dashboard."""
    sources = [grafana_datasource("influxdb", "http://influxdb-service:8086"),
               grafana_datasource("prometheus", "http://prometheus-service:9090"),
               grafana_datasource("loki", "http://loki-service:3100")]
    hit = grafana_search_hit(dashboard["title"], dashboard["uid"])
    return {
        "/api/health": (200, {"commit": "03f502a94d", "database": "ok", "version": "13.2.0"}),
        "/api/datasources": (200, sources),
        "/api/datasources/uid/ca3-influxdb/health": (200, grafana_health(message="datasource is working. 3 buckets")),
        "/api/datasources/uid/ca3-prometheus/health": (200, grafana_health(
            message="Successfully queried the Prometheus API.")),
        "/api/datasources/uid/ca3-loki/health": (200, grafana_health()) if loki_ok else (400, grafana_health(False)),
        "/api/search": (200, [hit]),
        f"/api/dashboards/uid/{dashboard['uid']}": (200, {"dashboard": dashboard, "meta": {
            "type": "db", "canSave": False, "slug": "ca3-pipeline-metrics", "provisioned": True}}),
    }
