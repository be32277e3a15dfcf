"""Both TLS links with certificates made by ca3's own certificate code (as `ca3 certs` makes them): data flows,
and a server certificate from another CA, or from our CA for another name, is refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conveyor_common.env import load_kafka
from conveyor_common.reading import Reading
from cryptography import x509
from influxdb_client.rest import ApiException
from kafka import KafkaProducer
from kafka.errors import KafkaError
from processor.settings import load_influx
from processor.sink import InfluxSink, to_lines

from ca3cli.operations.certs import authority, store
from tests.apps.helpers import StreamRun, analytics_over
from tests.fixtures.certs import misnamed
from tests.fixtures.pipeline import AppLauncher
from tests.fixtures.servers import (
    Kafka,
    TestCA,
    VictoriaMetrics,
    running,
    tansu_behind_stunnel,
    victoria_metrics_server,
)

pytestmark = pytest.mark.integration


def test_pipeline_over_kafka_tls_and_influxdb_https_stores_every_reading(
        kafka_tls: Kafka, victoria_metrics_tls: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, kafka_tls, victoria_metrics_tls, lines=2, rate_hz=10)
    time.sleep(2)
    run.stop_producer_and_count()


def test_pipeline_with_kafka_client_certificates_stores_every_reading(
        kafka_mtls: Kafka, victoria_metrics: VictoriaMetrics, launch_apps: AppLauncher) -> None:
    run = StreamRun.start(launch_apps, kafka_mtls, victoria_metrics, lines=2, rate_hz=10)
    time.sleep(2)
    run.stop_producer_and_count()


def test_kafka_requiring_client_certificates_refuses_a_client_without_one(kafka_mtls: Kafka) -> None:
    env = {key: value for key, value in kafka_mtls.app_env().items() if "CERTFILE" not in key and "KEYFILE" not in key}
    with pytest.raises(KafkaError):
        KafkaProducer(**load_kafka(env).client_options())
    KafkaProducer(**load_kafka(kafka_mtls.app_env()).client_options()).close()  # with the certificate it connects


def test_kafka_broker_certificate_from_another_ca_is_refused(kafka_tls: Kafka, test_ca: TestCA) -> None:
    options = load_kafka({"KAFKA_BOOTSTRAP_SERVERS": kafka_tls.bootstrap, "KAFKA_SECURITY_PROTOCOL": "SSL",
                          "KAFKA_SSL_CAFILE": str(test_ca.other.ca_cert)}).client_options()
    with pytest.raises(KafkaError):
        KafkaProducer(**options)
    trusted = dict(options, ssl_cafile=str(test_ca.trusted.ca_cert))
    KafkaProducer(**trusted).close()  # the same call succeeds with the right CA


def sink_for(influx: VictoriaMetrics, ca_file: str) -> InfluxSink:
    return InfluxSink(load_influx(influx.app_env() | {"INFLUXDB_CA_FILE": ca_file, "INFLUXDB_TIMEOUT_MS": "3000"}))


def test_influxdb_certificate_from_another_ca_is_refused(victoria_metrics_tls: VictoriaMetrics,
                                                          test_ca: TestCA) -> None:
    reading = Reading(time.time_ns(), "line-1", 0.2, "running", "tls-refusal", 0)
    point = to_lines([reading], [analytics_over(60).update(reading)])[0]
    refused = sink_for(victoria_metrics_tls, str(test_ca.other.ca_cert))
    assert refused.ping() is False
    with pytest.raises(ApiException, match="CERTIFICATE_VERIFY_FAILED"):
        refused.write([point])
    trusted = sink_for(victoria_metrics_tls, str(test_ca.trusted.ca_cert))
    assert trusted.ping() is True
    assert trusted.write([point]) == {}
    assert victoria_metrics_tls.wait_for_seqs("tls-refusal", {0}) == [0]


def test_the_servers_present_certificates_issued_by_ca3s_private_ca(test_ca: TestCA) -> None:
    for path in (test_ca.trusted.server_cert, test_ca.trusted.influxdb_cert, test_ca.trusted.client_cert):
        issuer = x509.load_pem_x509_certificate(path.read_bytes()).issuer.rfc4514_string()
        assert issuer == f"CN={store.CA_COMMON_NAME},O={authority.ORGANISATION}"


def test_influxdb_certificate_for_another_name_is_refused(servers_dir: Path, test_ca: TestCA) -> None:
    wrong = misnamed(test_ca.trusted, servers_dir / "misnamed-influx")
    with running(victoria_metrics_server(servers_dir, tls=wrong)) as server:
        influx = VictoriaMetrics(server, ca_file=wrong.ca_cert)
        reading = Reading(time.time_ns(), "line-1", 0.2, "running", "tls-misnamed", 0)
        point = to_lines([reading], [analytics_over(60).update(reading)])[0]
        refused = sink_for(influx, str(wrong.ca_cert))
        assert refused.ping() is False
        with pytest.raises(ApiException, match=r"CERTIFICATE_VERIFY_FAILED.*(IP address|[Hh]ostname) mismatch"):
            refused.write([point])


def test_kafka_broker_certificate_for_another_name_is_refused(servers_dir: Path, test_ca: TestCA) -> None:
    wrong = misnamed(test_ca.trusted, servers_dir / "misnamed-kafka")
    with tansu_behind_stunnel(servers_dir, wrong, require_client_cert=False) as kafka, pytest.raises(KafkaError):
        KafkaProducer(**load_kafka(kafka.app_env()).client_options())
