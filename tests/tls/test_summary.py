"""outputs/tls-config-summary.md: written from the rendered configuration and the certificates, with or without
them, and for the interface the hand-in calls: write_tls_summary(settings, root) -> Path."""

from __future__ import annotations

from pathlib import Path

import pytest

from ca3cli.core.errors import ConfigError
from ca3cli.core.settings import Settings
from ca3cli.operations.certs import objects, store
from ca3cli.operations.certs.summary import write_tls_summary
from tests.tls.helpers import settings_with


def test_before_any_certificate_it_names_what_is_missing_and_the_command(tmp_path: Path) -> None:
    path = write_tls_summary(settings_with(), tmp_path)
    assert path == tmp_path / "outputs" / "tls-config-summary.md"
    text = path.read_text()
    for name in ("ca", "influxdb", "kafka"):
        assert f"Missing: {tmp_path / '.ca3' / 'certs' / name}.crt does not exist. Run `ca3 certs`" in text
    assert "| processor -> InfluxDB (`https://influxdb-service:8086`) | HTTPS |" in text


def test_with_certificates_it_shows_names_expiry_issuer_and_key_locations(tmp_path: Path) -> None:
    settings = settings_with(3, "required", cert_days=90, min_version="1.3")
    store.ensure(tmp_path / ".ca3" / "certs", settings)
    text = write_tls_summary(settings, tmp_path).read_text()
    assert "Missing" not in text
    assert "kafka-2.kafka-headless.conveyor-pipeline.svc.cluster.local" in text
    assert "issuer: `CN=ca3 private CA,O=ca3 conveyor pipeline`" in text
    assert "(89 days left)" in text or "(90 days left)" in text
    assert "Usages: serverAuth, clientAuth" in text and "Secret kafka-client-tls" in text
    assert f"Key: `{tmp_path / '.ca3' / 'certs' / 'ca.key'}` (mode 0600, git-ignored, never in the cluster)" in text
    assert "InfluxDB accepts TLS 1.3 and newer; Kafka enables TLSv1.3" in text
    assert ", client certificate required |" in text
    assert "`ca3 certs --rotate`" in text


def test_the_links_follow_the_rendered_configuration(tmp_path: Path) -> None:
    text = write_tls_summary(settings_with(kafka=False), tmp_path).read_text()
    assert "| producer, processor -> Kafka (`kafka-service:9092`) | plaintext | - |" in text
    assert "| controller quorum (CONTROLLER :9095) | plaintext | - |" in text
    assert "| Grafana -> InfluxDB | HTTPS |" in text
    assert "### kafka" not in text


def test_keda_with_kafka_tls_is_refused_with_the_way_out(tmp_path: Path) -> None:
    settings = Settings.model_validate({"autoscaling": {"processor": "keda"}})
    store.ensure(tmp_path, settings)
    with pytest.raises(ConfigError, match=r"autoscaling\.processor: cpu"):
        objects.values(tmp_path, settings, 8, keys=False)
    assert objects.values(tmp_path, settings, 7, keys=False)["tls_influxdb_crt"].startswith("-----BEGIN")
