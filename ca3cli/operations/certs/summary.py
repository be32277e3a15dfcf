"""outputs/tls-config-summary.md, written from the rendered manifests and the certificates themselves.

It names which links are encrypted and how each side verifies the other, the TLS versions, every certificate's
names, issuer and expiry, where each key lives (paths and Secret names only, never key material) and how to
rotate. Without certificates it says which are missing and the command that makes them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ca3cli.core import registry, render, template_values
from ca3cli.core.errors import CertsError, ConfigError
from ca3cli.core.topology import Topology
from ca3cli.edges import files
from ca3cli.operations.certs import inspect, objects, store
from ca3cli.operations.certs.names import CA_CONFIGMAP, wanted

if TYPE_CHECKING:
    from ca3cli.core.render import Manifest
    from ca3cli.core.settings import Settings

SUMMARY = Path("outputs") / "tls-config-summary.md"


def _workload(names: Topology, component: str) -> dict[str, Any] | None:
    return names.workload_object(component) if names.has(component) else None


def _env(doc: dict[str, Any] | None) -> dict[str, str]:
    if doc is None:
        return {}
    containers = doc["spec"]["template"]["spec"]["containers"]
    return {var["name"]: var["value"] for c in containers for var in c.get("env", []) if "value" in var}


def _args(doc: dict[str, Any] | None) -> list[str]:
    return [] if doc is None else [a for c in doc["spec"]["template"]["spec"]["containers"] for a in c.get("args", [])]


def links(manifests: list[Manifest]) -> list[str]:
    """One table row per data link, read from the rendered client and server configuration."""
    names = Topology.of_manifests(manifests)
    influx = _env(_workload(names, "influxdb"))
    kafka = _env(_workload(names, "kafka"))
    processor = _env(_workload(names, "processor"))
    producer = _env(_workload(names, "producer"))
    exporter = _args(_workload(names, "kafka-exporter"))
    influx_name = names.service("influxdb").name
    https = "INFLUXD_TLS_CERT" in influx
    protocols = dict(p.split(":", 1) for p in kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",") if p)
    kafka_secret = names.tls_secret("kafka") if "SSL" in protocols.values() else "-"
    client_auth = kafka.get("KAFKA_LISTENER_NAME_CLIENT_SSL_CLIENT_AUTH", "none")

    def kafka_row(link: str, listener: str, verify: str) -> str:
        on = protocols.get(listener) == "SSL"
        return f"| {link} | {'TLS' if on else 'plaintext'} | {verify if on else '-'} |"

    influx_verify = f"CA file `{processor.get('INFLUXDB_CA_FILE', '-')}`, name {influx_name}"
    app_verify = (f"CA file `{producer.get('KAFKA_SSL_CAFILE', '-')}`, broker hostnames"
                  + (", client certificate required" if client_auth == "required" else ""))
    exporter_tls = "--tls.enabled" in exporter
    return [
        "| Link | Encryption | Verification |", "| --- | --- | --- |",
        f"| processor -> InfluxDB (`{processor.get('INFLUXDB_URL', '-')}`) | {'HTTPS' if https else 'plaintext'} | "
        f"{influx_verify if https else '-'} |",
        f"| Grafana -> InfluxDB | {'HTTPS' if https else 'plaintext'} | "
        f"{f'ConfigMap {CA_CONFIGMAP} (tlsAuthWithCACert), name {influx_name}' if https else '-'} |",
        kafka_row(f"producer, processor -> Kafka (`{producer.get('KAFKA_BOOTSTRAP_SERVERS', '-')}`)", "CLIENT",
                  app_verify),
        kafka_row("topic Job, kafka-exporter -> Kafka", "CLIENT",
                  f"our CA, broker hostnames{'' if exporter_tls else ' (topic Job; kafka-exporter not rendered)'}"),
        kafka_row("broker -> broker (INTERNAL :9094)", "INTERNAL",
                  f"both sides present {kafka_secret}, hostnames checked"),
        kafka_row("controller quorum (CONTROLLER :9095)", "CONTROLLER",
                  f"both sides present {kafka_secret}, hostnames checked"),
        "", f"TLS versions: InfluxDB accepts TLS {influx.get('INFLUXD_TLS_MIN_VERSION', '-')} and newer; Kafka "
            f"enables {kafka.get('KAFKA_SSL_ENABLED_PROTOCOLS', '-')}. Kafka listeners: "
            f"`{kafka.get('KAFKA_LISTENERS', '-')}` (map `{kafka.get('KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', '-')}`).",
    ]


def certificates(folder: Path, settings: Settings, now: dt.datetime, names: Topology) -> list[str]:
    """One section per certificate: subject, issuer, names, validity, where its key lives."""
    lines = []
    for name, secret in [(store.CA, f"ConfigMap {CA_CONFIGMAP} (certificate only)")] + [
            (spec.name, f"Secret {spec.secret} (kubernetes.io/tls: tls.crt, tls.key, ca.crt)")
            for spec in wanted(settings, names)]:
        pair = store.read(folder, name)
        lines.append(f"### {name}")
        if pair is None:
            lines += [f"Missing: {store.cert_path(folder, name)} does not exist. Run `ca3 certs` to make it.", ""]
            continue
        info = inspect.describe(pair.cert)
        where = (f"- Key: `{store.key_path(folder, name)}` (mode 0600, git-ignored, never in the cluster); "
                 f"certificate in {secret}" if name == store.CA
                 else f"- Key: `{store.key_path(folder, name)}` (mode 0600, git-ignored) and {secret}")
        lines += [f"- Subject: `{info.subject}`; issuer: `{info.issuer}`; serial `{info.serial}`",
                  f"- Names: {', '.join(info.dns_names + info.ip_addresses) or 'none'}",
                  f"- Usages: {', '.join(info.usages) or 'certificate signing (CA)'}",
                  f"- Valid {info.not_before:%Y-%m-%d} to {info.not_after:%Y-%m-%d} "
                  f"({info.days_left(now)} days left)", where, ""]
    return lines


def text(settings: Settings, manifests: list[Manifest], folder: Path, now: dt.datetime) -> str:
    rotate = ["## Rotating", "",
              "`ca3 certs --rotate` issues new server and client certificates from the same CA (serials change, the "
              "CA stays), puts them into their Secrets and restarts exactly the workloads that mount them. "
              "`ca3 certs --check` shows what is local and what is in the cluster; `ca3 validate -m 8` proves the "
              "handshakes. A changed ca3.yaml (namespace, kafka.replicas) makes the next `ca3 certs` reissue the "
              "certificates whose names no longer fit.", ""]
    return "\n".join(["# TLS configuration", "", f"Namespace `{settings.namespace}`; written by ca3 on "
                      f"{now:%Y-%m-%d %H:%M} UTC from the rendered manifests and the certificates in `{folder}/`.",
                      "", "## Links", "", *links(manifests), "", "## Certificates", "",
                      *certificates(folder, settings, now, Topology.of_manifests(manifests)), *rotate])


def write_tls_summary(settings: Settings, root: Path, project: Path | None = None) -> Path:
    """Write root/outputs/tls-config-summary.md from the certificates of `project` (default: root) and return its
    path (works before any certificate exists)."""
    folder = (root if project is None else project) / store.CERTS_DIR
    try:
        values = objects.values(folder, settings, registry.HIGHEST, keys=False)
    except (CertsError, ConfigError):  # no or stale certificates: the summary says which are missing
        values = template_values.tls_placeholders()

    manifests = render.render(settings, {**template_values.placeholders(), **values}, registry.HIGHEST)
    return files.write(root, SUMMARY, text(settings, manifests, folder, dt.datetime.now(dt.UTC)))
