"""Which certificates the settings call for, and the names each must carry (pure: settings in, data out).

The Services a certificate names and the Secret it goes into are read from the rendered manifests
(ca3cli/core/topology.py), so renaming a Service in a template changes the certificate's names. A StatefulSet's pods
share one pod template, so every Kafka broker mounts the same Secret; its one certificate names every broker's
headless address, which is what clients, brokers and controllers connect to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ca3cli.core import registry, topology

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings
    from ca3cli.core.topology import Topology

# Registry components: the servers whose Services the certificates name, and a client that mounts the client's.
INFLUXDB, KAFKA, KAFKA_CLIENT = "influxdb", "kafka", "producer"
NAMING = frozenset({INFLUXDB, KAFKA, KAFKA_CLIENT, "tls"})  # what renders those names ("tls": the TLS Secrets)
TLS_FEATURES = ("tls_influxdb", "tls_kafka")  # the milestone features a certificate secures (CertSpec.feature)
CA_CONFIGMAP = "ca3-ca"  # ConfigMap with our CA certificate under ca.crt (validate/probe.py reads it too)
CLUSTER_DOMAIN = "cluster.local"
LOCAL_NAMES = ("localhost",)  # for tools inside the pod (probes, kafka-topics.sh on the broker)
LOCAL_ADDRESSES = ("127.0.0.1",)


@dataclass(frozen=True)
class CertSpec:
    """One certificate ca3 issues: its file stem under .ca3/certs/, its Secret, subject, names and roles."""

    name: str
    secret: str
    common_name: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    server: bool
    client: bool
    feature: str  # the milestone feature whose link it secures (registry.MILESTONES)


def service_names(service: str, namespace: str) -> tuple[str, ...]:
    """Every way a pod in the cluster can name `service`: short, with namespace, .svc and the full domain."""
    return (service, f"{service}.{namespace}", f"{service}.{namespace}.svc",
            f"{service}.{namespace}.svc.{CLUSTER_DOMAIN}")


def broker_names(settings: Settings, names: Topology) -> tuple[str, ...]:
    """Each broker's headless per-pod name (kafka-0.kafka-headless...), in every form."""
    pods, headless = names.workload(KAFKA).name, names.governing_service(KAFKA)
    return tuple(name for ordinal in range(settings.kafka.replicas)
                 for name in service_names(f"{pods}-{ordinal}.{headless}", settings.namespace))


def influxdb_spec(settings: Settings, names: Topology) -> CertSpec:
    service = names.service(INFLUXDB).name
    return CertSpec("influxdb", names.tls_secret(INFLUXDB), service,
                    service_names(service, settings.namespace) + LOCAL_NAMES, LOCAL_ADDRESSES,
                    server=True, client=False, feature="tls_influxdb")


def kafka_spec(settings: Settings, names: Topology) -> CertSpec:
    """The brokers' certificate: a server on every listener, and a client when one broker or controller calls
    another (the internal and controller listeners require a certificate from our CA)."""
    service = names.service(KAFKA).name
    dns = (service_names(service, settings.namespace) + service_names(names.governing_service(KAFKA),
                                                                      settings.namespace)
           + broker_names(settings, names) + LOCAL_NAMES)
    return CertSpec("kafka", names.tls_secret(KAFKA), service, dns, LOCAL_ADDRESSES, server=True, client=True,
                    feature="tls_kafka")


def kafka_client_spec(names: Topology) -> CertSpec:
    """The certificate producer, processor, topic Job and kafka-exporter present when mutual TLS is required."""
    return CertSpec("kafka-client", names.tls_secret(KAFKA_CLIENT), "conveyor-kafka-client", (), (), server=False,
                    client=True, feature="tls_kafka")


def wanted(settings: Settings, names: Topology | None = None) -> list[CertSpec]:
    """Every certificate the TLS settings call for (whatever the milestone: `ca3 certs` prepares them ahead), named
    after `names`, by default the components that name them in the highest milestone rendered from these settings."""
    if not (settings.tls.influxdb or settings.tls.kafka):
        return []
    if names is None:
        names = topology.of_milestone(settings, registry.HIGHEST, NAMING)
    specs = []
    if settings.tls.influxdb:
        specs.append(influxdb_spec(settings, names))
    if settings.tls.kafka:
        specs.append(kafka_spec(settings, names))
        if settings.tls.kafka_client_auth == "required":
            specs.append(kafka_client_spec(names))
    return specs


def needed(settings: Settings, features: dict[str, bool]) -> list[CertSpec]:
    """The certificates a render of these features needs (what `run ca3 certs first` is about); none, without
    rendering the names, when no TLS feature is on at this milestone."""
    if not any(features[feature] for feature in TLS_FEATURES):
        return []
    return [spec for spec in wanted(settings) if features[spec.feature]]
