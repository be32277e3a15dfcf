"""TLS rules: no client anywhere skips verification, every TLS client names our CA, and Kafka's listener
configuration (read as the broker reads it) is consistent and never half plaintext."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from ca3cli.core.lint.model import Finding, pod_templates
from ca3cli.core.objects import KubeObject

# Ways a client config switches verification off, in the forms of the tools ca3 renders (Grafana, Go flags,
# Kafka properties and environment, Python, curl).
SKIPS = re.compile(
    r"insecureSkipVerify\W+true|tlsSkipVerify\W+true|insecure[-_]skip[-_](tls[-_])?verify(?!\W*=?\W*false)|"
    r"skip[-_]verify\W+true|verify(_ssl)?\W+false|check_hostname\W+false|CERT_NONE|"
    r"ssl\.endpoint\.identification\.algorithm\s*=\s*$|\bcurl\b[^\n]*?\s(-k|--insecure)\b", re.I | re.M)


def _texts(obj: KubeObject) -> Iterator[tuple[str, str]]:
    """(where, text) of everything a client reads: ConfigMap values, container args, commands and env values."""
    if obj.kind == "ConfigMap":
        for key, value in (obj.doc.get("data") or {}).items():
            yield f"data {key}", str(value)
    for pod in pod_templates([obj]):
        for container in pod.containers():
            for arg in container.get("args", []) + container.get("command", []):
                yield f"container {container.get('name')} args", str(arg)
            for var in container.get("env", []):
                if "value" in var:
                    yield f"env {var['name']}", f"{var['name']}={var['value']}"


def tls_never_skips_verification(objs: list[KubeObject]) -> list[Finding]:
    """No rendered client may turn certificate or hostname verification off."""
    findings = []
    for obj in objs:
        for where, text in _texts(obj):
            empty_algorithm = text.startswith("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=") and not text.split(
                "=", 1)[1].strip()
            if SKIPS.search(text) or empty_algorithm:
                findings.append(Finding("tls-verify", obj.where, f"{where} switches TLS verification off; name the CA "
                                        "(ConfigMap ca3-ca) and keep hostname checks on."))
    return findings


def _env(container: Mapping[str, Any]) -> dict[str, str]:
    return {var["name"]: var.get("value", "") for var in container.get("env", []) if "name" in var}


def _client_problems(container: Mapping[str, Any]) -> list[str]:
    env, args = _env(container), [str(a) for a in container.get("args", [])]
    problems = []
    if env.get("KAFKA_SECURITY_PROTOCOL") == "SSL" and not env.get("KAFKA_SSL_CAFILE"):
        problems.append("KAFKA_SECURITY_PROTOCOL=SSL without KAFKA_SSL_CAFILE")
    if env.get("INFLUXDB_URL", "").startswith("https://") and not env.get("INFLUXDB_CA_FILE"):
        problems.append("an https INFLUXDB_URL without INFLUXDB_CA_FILE")
    if "--tls.enabled" in args and not any(a.startswith("--tls.ca-file=") for a in args):
        problems.append("--tls.enabled without --tls.ca-file")
    return problems


def _config_problems(obj: KubeObject) -> list[str]:
    problems = []
    for key, value in (obj.doc.get("data") or {}).items():
        text = str(value)
        if key.endswith(".properties") and "security.protocol=SSL" in text and "ssl.truststore.location=" not in text:
            problems.append(f"{key} uses SSL without ssl.truststore.location")
        if key.endswith((".yaml", ".yml")) and "datasources" in text:
            for source in (yaml.safe_load(text) or {}).get("datasources", []):
                if str(source.get("url", "")).startswith("https://") and not (
                        (source.get("jsonData") or {}).get("tlsAuthWithCACert")
                        and (source.get("secureJsonData") or {}).get("tlsCACert")):
                    problems.append(f"datasource {source.get('name')} is https without tlsAuthWithCACert/tlsCACert")
    return problems


def tls_clients_name_the_ca(objs: list[KubeObject]) -> list[Finding]:
    """Every client that speaks TLS says which CA to trust (none relies on a default trust store)."""
    findings = [Finding("tls-ca", obj.where, f"{problem}; name the CA from ConfigMap ca3-ca.")
                for obj in objs if obj.kind == "ConfigMap" for problem in _config_problems(obj)]
    for pod in pod_templates(objs):
        for container in pod.containers():
            findings += [Finding("tls-ca", pod.owner.where, f"container {container.get('name')!r}: {problem}; name "
                                 "the CA from ConfigMap ca3-ca.") for problem in _client_problems(container)]
    return findings


def env_key(name: str) -> str:
    """The broker property an apache/kafka image variable becomes: KAFKA_ dropped, `_` -> `.`, `__` -> `_`,
    `___` -> `-`, lower case (the image's `utility render-properties`)."""
    dotted = re.sub(r"(?<=[^_])_(?=[^_])", ".", name[len("KAFKA_"):])
    return dotted.replace("___", "-").replace("__", "_").lower()


def broker_properties(env: Mapping[str, str]) -> dict[str, str]:
    """The server.properties entries the image writes from a broker container's KAFKA_* variables."""
    skipped = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_VERSION"}
    return {env_key(k): v for k, v in env.items() if k.startswith("KAFKA_") and k not in skipped and "=" not in v}


def _names(value: str) -> dict[str, str]:
    """`CLIENT://host:9093,INTERNAL://:9094` -> {CLIENT: 9093, INTERNAL: 9094}."""
    return {m.group(1): m.group(2) for m in re.finditer(r"(\w+)://[^,]*:(\d+)", value)}


def listener_problems(props: Mapping[str, str]) -> list[str]:
    """What is inconsistent in a broker's listener configuration (empty when nothing is)."""
    protocols = dict(p.split(":", 1) for p in props.get("listener.security.protocol.map", "").split(",") if ":" in p)
    listeners, advertised = _names(props.get("listeners", "")), _names(props.get("advertised.listeners", ""))
    inter = props.get("inter.broker.listener.name", "")
    controllers = [c for c in props.get("controller.listener.names", "").split(",") if c]
    problems = [f"listener {name} has no security protocol" for name in listeners if name not in protocols]
    problems += [f"advertised listener {name} is not a listener" for name in advertised if name not in listeners]
    if inter not in listeners or inter in controllers:
        problems.append(f"inter-broker listener {inter or '(none)'} must be a broker listener")
    problems += [f"controller listener {name} is not a listener" for name in controllers if name not in listeners]
    if "SSL" in protocols.values() and "PLAINTEXT" in protocols.values():
        problems.append("some listeners are SSL and others PLAINTEXT: TLS must cover every link")
    if "SSL" in protocols.values() and props.get("ssl.keystore.type") == "PEM" and not props.get(
            "ssl.keystore.location"):
        problems.append("ssl.keystore.type=PEM without ssl.keystore.location")
    return problems


def kafka_listeners_consistent(objs: list[KubeObject]) -> list[Finding]:
    """Each broker's listener map, inter-broker and controller listener names agree, and TLS is all or nothing."""
    findings = []
    for pod in pod_templates(objs):
        for container in pod.containers():
            env = _env(container)
            if "KAFKA_LISTENERS" in env:
                findings += [Finding("kafka-listeners", pod.owner.where, f"{problem}.")
                             for problem in listener_problems(broker_properties(env))]
    return findings
