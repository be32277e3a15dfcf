"""The certificates `ca3 certs` issues (cryptography): chain, names for 1 and 3 brokers, usages, expiry, rotation,
and how the files are kept."""

from __future__ import annotations

import datetime as dt
import re
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ca3cli.core.errors import CertsError
from ca3cli.operations.certs import inspect, store
from ca3cli.operations.certs.names import wanted
from tests.tls.helpers import docs, env, issued, rendered, settings_with


def cert(folder: Path, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(store.cert_path(folder, name).read_bytes())


def sans(certificate: x509.Certificate) -> set[str]:
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(names.get_values_for_type(x509.DNSName))


@pytest.mark.parametrize("client_auth", ["none", "required"])
def test_every_certificate_chains_to_the_ca_and_the_ca_only_signs(tmp_path: Path, client_auth: str) -> None:
    settings = settings_with(client_auth=client_auth)
    folder = issued(tmp_path, settings)
    ca = cert(folder, "ca")
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    names = [spec.name for spec in wanted(settings)]
    assert names == (["influxdb", "kafka", "kafka-client"] if client_auth == "required" else ["influxdb", "kafka"])
    for name in names:
        leaf = cert(folder, name)
        leaf.verify_directly_issued_by(ca)  # raises if the signature or issuer does not match
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_certificate_from_another_ca_fails_the_chain_check(tmp_path: Path) -> None:
    settings = settings_with()
    mine, other = issued(tmp_path / "mine", settings), issued(tmp_path / "other", settings)
    spec = wanted(settings)[0]
    assert inspect.problems(spec, cert(mine, spec.name), cert(mine, "ca"), dt.datetime.now(dt.UTC)) == []
    assert inspect.problems(spec, cert(other, spec.name), cert(mine, "ca"),
                            dt.datetime.now(dt.UTC)) == ["not signed by ca3's CA"]


def rendered_broker_hosts(replicas: int, folder: Path) -> set[str]:
    """Every host name the rendered broker configuration makes clients, brokers and controllers connect to."""
    settings = settings_with(replicas=replicas)
    broker = env(docs(rendered(settings, 8, folder), "StatefulSet")["kafka"])
    hosts = set(re.findall(r"([^:,]+):9095", broker["KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS"]))
    hosts |= {re.sub(r"\$\(POD_NAME\)", f"kafka-{i}", host) for i in range(replicas)
              for host in re.findall(r"//([^:,]+):", broker["KAFKA_ADVERTISED_LISTENERS"])}
    return hosts | {"kafka-service"}


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_kafka_certificate_names_every_broker_the_rendered_config_connects_to(tmp_path: Path,
                                                                                  replicas: int) -> None:
    folder = issued(tmp_path, settings_with(replicas=replicas))
    hosts = rendered_broker_hosts(replicas, folder)
    assert len([h for h in hosts if h.startswith("kafka-") and "headless" in h]) == replicas
    names = sans(cert(folder, "kafka"))
    assert hosts <= names
    namespace = "conveyor-pipeline"
    for ordinal in range(replicas):
        assert f"kafka-{ordinal}.kafka-headless.{namespace}.svc.cluster.local" in names
    assert f"kafka-{replicas}.kafka-headless.{namespace}.svc" not in names
    assert {"kafka-service", f"kafka-service.{namespace}", f"kafka-service.{namespace}.svc",
            f"kafka-service.{namespace}.svc.cluster.local", "localhost"} <= names


def test_the_influxdb_certificate_names_the_service_the_clients_use(tmp_path: Path) -> None:
    settings = settings_with()
    folder = issued(tmp_path, settings)
    url = env(docs(rendered(settings, 7, folder), "Deployment")["processor"])["INFLUXDB_URL"]
    host = re.match(r"https://([^:/]+)", url)
    assert host is not None and host.group(1) in sans(cert(folder, "influxdb"))
    assert "influxdb-service.conveyor-pipeline.svc.cluster.local" in sans(cert(folder, "influxdb"))


def test_key_usages_fit_server_and_client_roles(tmp_path: Path) -> None:
    folder = issued(tmp_path, settings_with(client_auth="required"))

    def usages(name: str) -> set[x509.ObjectIdentifier]:
        return set(cert(folder, name).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)

    server, client = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    assert usages("influxdb") == {server}
    assert usages("kafka") == {server, client}  # brokers and controllers present it to each other
    assert usages("kafka-client") == {client}
    for name in ("influxdb", "kafka", "kafka-client"):
        key_usage = cert(folder, name).extensions.get_extension_for_class(x509.KeyUsage).value
        assert key_usage.digital_signature and not key_usage.key_cert_sign


def test_expiry_follows_the_settings_and_never_outlives_the_ca(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    store.ensure(tmp_path / "a", settings_with(cert_days=90, ca_days=3650), now=now)
    assert cert(tmp_path / "a", "kafka").not_valid_after_utc - now == dt.timedelta(days=90)
    assert cert(tmp_path / "a", "ca").not_valid_after_utc - now == dt.timedelta(days=3650)
    store.ensure(tmp_path / "b", settings_with(cert_days=400, ca_days=30), now=now)
    assert cert(tmp_path / "b", "kafka").not_valid_after_utc == cert(tmp_path / "b", "ca").not_valid_after_utc


def test_rotation_changes_every_serial_and_keeps_the_ca(tmp_path: Path) -> None:
    settings = settings_with(client_auth="required")
    folder = issued(tmp_path, settings)
    before = {name: cert(folder, name).serial_number for name in ("ca", "influxdb", "kafka", "kafka-client")}
    keys_before = {name: store.key_path(folder, name).read_bytes() for name in before}
    result = store.ensure(folder, settings, rotate=True)
    assert result.renewed == ["influxdb", "kafka", "kafka-client"] and result.kept == ["ca"]
    after = {name: cert(folder, name).serial_number for name in before}
    assert after["ca"] == before["ca"] and store.key_path(folder, "ca").read_bytes() == keys_before["ca"]
    for name in ("influxdb", "kafka", "kafka-client"):
        assert after[name] != before[name]
        assert store.key_path(folder, name).read_bytes() != keys_before[name]
        cert(folder, name).verify_directly_issued_by(cert(folder, "ca"))


def test_rotating_only_kafka_leaves_influxdb_alone(tmp_path: Path) -> None:
    settings = settings_with()
    folder = issued(tmp_path, settings)
    influx, kafka = cert(folder, "influxdb").serial_number, cert(folder, "kafka").serial_number
    assert store.ensure(folder, settings, rotate=True, only=("kafka",)).renewed == ["kafka"]
    assert cert(folder, "influxdb").serial_number == influx and cert(folder, "kafka").serial_number != kafka


def test_a_second_run_keeps_everything_and_a_new_replica_count_reissues_kafka_only(tmp_path: Path) -> None:
    folder = issued(tmp_path, settings_with(replicas=1))
    assert store.ensure(folder, settings_with(replicas=1)).changed == []
    kafka = [spec for spec in wanted(settings_with(replicas=3)) if spec.name == "kafka"]
    assert store.missing_or_stale(folder, kafka) == ["kafka"]
    assert store.ensure(folder, settings_with(replicas=3)).renewed == ["kafka"]
    assert "kafka-2.kafka-headless.conveyor-pipeline.svc" in sans(cert(folder, "kafka"))


def test_a_certificate_near_its_end_is_renewed(tmp_path: Path) -> None:
    settings = settings_with(cert_days=10)
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    store.ensure(tmp_path, settings, now=start)
    assert store.ensure(tmp_path, settings, now=start + dt.timedelta(days=2)).changed == []
    assert store.ensure(tmp_path, settings, now=start + dt.timedelta(days=4)).renewed == ["influxdb", "kafka"]


def test_keys_are_owner_only_files_in_an_owner_only_folder(tmp_path: Path) -> None:
    folder = issued(tmp_path / "certs", settings_with(client_auth="required"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert {f.name for f in files} >= {"ca.key", "influxdb.key", "kafka.key", "kafka-client.key"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert all(f.read_text().startswith("-----BEGIN PRIVATE KEY-----") for f in files if f.suffix == ".key")


def test_a_key_readable_by_others_is_refused_with_the_fix(tmp_path: Path) -> None:
    folder = issued(tmp_path, settings_with())
    store.key_path(folder, "kafka").chmod(0o644)
    with pytest.raises(CertsError, match=r"chmod 600 .*kafka\.key"):
        store.ensure(folder, settings_with())
