"""Renaming a Service or a TLS Secret in a template renames what the certificates name and where they go.

The shipped templates are copied, and in the copy InfluxDB's Service, Kafka's headless Service and Kafka's TLS
Secret get other names everywhere. The certificates `ca3 certs` issues from a render of the copy then carry the new
Service names (and none of the old), and are put into the renamed Secret.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from ca3cli.core import registry, render, topology
from ca3cli.operations.certs import store
from ca3cli.operations.certs.names import NAMING, wanted
from tests.fixtures.templates import templates_from
from tests.tls.helpers import settings_with

TEMPLATES = Path(render.__file__).parents[1] / "templates"
NS = "conveyor-pipeline"  # the namespace Settings() give
RENAMES = {"influxdb-service": "tsdb-web", "kafka-headless": "brokers-dns", "kafka-tls": "broker-certificate"}


@pytest.fixture
def renamed_templates(tmp_path: Path) -> Iterator[None]:
    """Renders from now on read a copy of the templates in which every name of RENAMES is replaced."""
    folder = Path(shutil.copytree(TEMPLATES, tmp_path / "templates"))
    edited = set()
    for path in folder.rglob("*.j2"):
        text = path.read_text()
        changed = text
        for old, new in RENAMES.items():
            changed = changed.replace(old, new)
        if changed != text:
            path.write_text(changed)
            edited.add(path.name)
    assert {"_helpers.j2", "kafka-tls-secret.yaml.j2"} <= edited  # _helpers.j2 names the Services once
    with templates_from(folder):
        yield


def sans(folder: Path, name: str) -> set[str]:
    cert = x509.load_pem_x509_certificate(store.cert_path(folder, name).read_bytes())
    return set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
               .get_values_for_type(x509.DNSName))


def test_the_shipped_templates_give_the_names_the_copy_replaces(tmp_path: Path) -> None:
    settings = settings_with(replicas=3)
    store.ensure(tmp_path, settings)
    assert {f"influxdb-service.{NS}.svc", f"kafka-headless.{NS}.svc", f"kafka-2.kafka-headless.{NS}.svc"} <= (
        sans(tmp_path, "influxdb") | sans(tmp_path, "kafka"))
    assert {spec.name: spec.secret for spec in wanted(settings)}["kafka"] == "kafka-tls"


@pytest.mark.usefixtures("renamed_templates")
def test_renamed_services_rename_the_certificates_names_and_secret(tmp_path: Path) -> None:
    settings = settings_with(replicas=3)
    store.ensure(tmp_path, settings)
    influxdb, kafka = sans(tmp_path, "influxdb"), sans(tmp_path, "kafka")
    assert {"tsdb-web", f"tsdb-web.{NS}", f"tsdb-web.{NS}.svc", f"tsdb-web.{NS}.svc.cluster.local"} <= influxdb
    assert {f"brokers-dns.{NS}.svc", *(f"kafka-{n}.brokers-dns.{NS}.svc" for n in range(3))} <= kafka
    assert not [name for name in influxdb | kafka if "influxdb-service" in name or "kafka-headless" in name]
    assert {spec.name: spec.secret for spec in wanted(settings)} == {"influxdb": "influxdb-tls",
                                                                     "kafka": "broker-certificate"}


@pytest.mark.parametrize("client_auth", ["required", "none"])
def test_the_components_that_name_the_certificates_give_what_the_whole_milestone_gives(client_auth: str) -> None:
    settings = settings_with(replicas=3, client_auth=client_auth)
    whole = topology.of_milestone(settings, registry.HIGHEST)
    assert len(whole.objects()) > 2 * len(topology.of_milestone(settings, registry.HIGHEST, NAMING).objects())
    assert wanted(settings) == wanted(settings, whole)
