"""TLS checks (milestones 7 and 8): certificates in Secrets, mounts, handshakes verified against our CA, clients."""

from __future__ import annotations

import base64
import re
import ssl
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from ca3cli.certs.inspect import describe, signed_by
from ca3cli.certs.names import KAFKA_SERVICE, broker_names
from ca3cli.lint.tls import broker_properties, listener_problems
from ca3cli.portforward import tls_handshake
from ca3cli.validate.model import Check, Outcome, failed, passed, verdict
from ca3cli.validate.probe import Probe
from ca3cli.validate.workloads import listing

TLS_ERROR = re.compile(r"tls: |x509: |handshake (error|fail)|certificate verify failed|SSLError|bad certificate|"
                       r"unknown (ca|authority)", re.I)


def off_unless(feature: str, setting: str) -> Any:
    def skip(probe: Probe) -> str | None:
        return None if probe.features[feature] else f"TLS is off for this component (`{setting}: false` in ca3.yaml)"

    return skip


INFLUX_OFF = off_unless("tls_influxdb", "tls.influxdb")
KAFKA_OFF = off_unless("tls_kafka", "tls.kafka")


# --- the certificate in its Secret -----------------------------------------------------------------------------


def secret_check(check_id: str, secret: str, service: str, skip: Any) -> Check:
    """PASS when `secret` is a kubernetes.io/tls Secret whose current certificate is signed by our CA (ConfigMap
    ca3-ca) and names the service (and, for Kafka, every broker's headless name)."""

    def gather(probe: Probe) -> dict[str, Any]:
        obj = probe.get("secret", secret)
        data = obj.get("data") or {}
        cert = base64.b64decode(data["tls.crt"]).decode() if "tls.crt" in data else ""  # public; the key stays unread
        wanted = [f"{service}.{probe.namespace}.svc"]
        if service == KAFKA_SERVICE:
            wanted += [name for name in broker_names(probe.settings) if name.endswith(".svc")]
        return {"type": obj.get("type"), "keys": sorted(data), "cert": cert, "ca": probe.ca_pem(),
                "names": wanted, "now": datetime.now(UTC)}

    return Check(check_id, gather, decide_secret, skip=skip)


def decide_secret(evidence: dict[str, Any]) -> Outcome:
    if evidence["type"] != "kubernetes.io/tls" or not {"tls.crt", "tls.key"} <= set(evidence["keys"]):
        return failed(f"type {evidence['type']}, keys {evidence['keys']}; want kubernetes.io/tls with tls.crt, tls.key")
    cert = x509.load_pem_x509_certificate(evidence["cert"].encode())
    if not signed_by(cert, x509.load_pem_x509_certificate(evidence["ca"].encode())):
        return failed(f"certificate {cert.subject.rfc4514_string()} is not signed by the CA in ConfigMap ca3-ca")
    names = set(describe(cert).dns_names)
    expires = cert.not_valid_after_utc
    if expires <= evidence["now"] or cert.not_valid_before_utc > evidence["now"]:
        return failed(f"certificate valid {cert.not_valid_before_utc:%Y-%m-%d} to {expires:%Y-%m-%d}, not now")
    missing = [name for name in evidence["names"] if name not in names]
    return verdict(not missing, f"signed by ca3-ca, names {listing(evidence['names'])}; valid until {expires:%Y-%m-%d}",
                   f"certificate names {listing(sorted(names))}, not {listing(missing)}")


# --- mounts and startup logs -----------------------------------------------------------------------------------


def gather_mount(probe: Probe) -> dict[str, Any]:
    return {"statefulset": probe.find("statefulsets", "influxdb")}


def decide_mount(evidence: dict[str, Any]) -> Outcome:
    sts = evidence["statefulset"]
    if sts is None:
        return failed("StatefulSet influxdb does not exist")
    pod = sts["spec"]["template"]["spec"]
    volumes = {v["name"] for v in pod.get("volumes", []) if v.get("secret", {}).get("secretName") == "influxdb-tls"}
    mounts = [f"{c['name']}:{m['mountPath']}" for c in pod.get("containers", []) for m in c.get("volumeMounts", [])
              if m["name"] in volumes]
    return verdict(bool(mounts), f"influxdb-tls mounted at {listing(mounts)}",
                   "no container mounts a volume from Secret influxdb-tls")


def decide_listening(text: str) -> Outcome:
    listening = [line for line in text.splitlines() if "Listening" in line and "transport" in line]
    https = [line for line in listening if re.search(r"transport[=\":\s]+https", line)]
    if not listening:
        return failed("no `Listening` line in InfluxDB's logs since it started")
    return verdict(bool(https), "InfluxDB logged: Listening transport=https",
                   f"InfluxDB logged: {listening[-1].strip()[:120]}")


def decide_no_tls_errors(text: str) -> Outcome:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("No resources found")]
    if not lines:
        return failed("no log lines in the last 10 minutes to look at: are the pods running?")
    errors = [line.strip() for line in lines if TLS_ERROR.search(line)]
    return verdict(not errors, f"no TLS errors in {len(lines)} log lines of the last 10 minutes",
                   f"{len(errors)} TLS error lines, latest: {errors[-1][:140] if errors else ''}")


def logs_of(*selectors: str) -> Any:
    def gather(probe: Probe) -> str:
        return "\n".join(probe.logs(selector) for selector in selectors)

    return gather


# --- handshakes ------------------------------------------------------------------------------------------------


def handshake_check(check_id: str, service: str, port: int, skip: Any) -> Check:
    """PASS when `service`:`port` completes a handshake verified against our CA for the service's DNS name."""

    def gather(probe: Probe) -> dict[str, Any]:
        target = probe.tls(service)
        try:
            return {"name": target.server_name, **tls_handshake(probe.forward(f"svc/{service}", port).local_port,
                                                                 target)}
        except (ssl.SSLError, OSError) as exc:
            return {"name": target.server_name, "error": str(exc) or type(exc).__name__}

    return Check(check_id, gather, decide_handshake, skip=skip)


def decide_handshake(evidence: dict[str, Any]) -> Outcome:
    if "error" in evidence:
        return failed(f"handshake as {evidence['name']} failed: {evidence['error'][:160]}")
    return passed(f"{evidence['version']} {evidence['cipher']}, certificate verified for {evidence['name']}")


# --- client configuration --------------------------------------------------------------------------------------


def env_of(probe: Probe, kind: str, name: str) -> dict[str, str] | None:
    """The plain environment of a workload's containers: literal values and ConfigMap values (never Secrets)."""
    obj = probe.find(f"{kind}s", name)
    if obj is None:
        return None

    def configmap(ref: str) -> dict[str, str]:
        return (probe.find("configmaps", ref) or {}).get("data") or {}

    env: dict[str, str] = {}
    for container in obj["spec"]["template"]["spec"].get("containers", []):
        for source in container.get("envFrom", []):
            env.update(configmap(source.get("configMapRef", {}).get("name", "")))
        for var in container.get("env", []):
            ref = var.get("valueFrom", {}).get("configMapKeyRef")
            if "value" in var or ref:
                env[var["name"]] = var.get("value", "") if ref is None else configmap(ref["name"]).get(ref["key"], "")
    return env


def gather_env(*workloads: tuple[str, str]) -> Any:
    def gather(probe: Probe) -> dict[str, dict[str, str] | None]:
        return {f"{kind}/{name}": env_of(probe, kind, name) for kind, name in workloads}

    return gather


def decide_influxdb_url(envs: dict[str, dict[str, str] | None]) -> Outcome:
    env = next(iter(envs.values()))
    if env is None:
        return failed("Deployment processor does not exist")
    urls = [v for v in env.values() if "influxdb" in v and "://" in v]
    if not urls:
        return failed("no environment value of the processor holds an InfluxDB URL")
    plain = [u for u in urls if not u.startswith("https://")]
    if plain:
        return failed(f"InfluxDB reached over {listing(plain)}")
    ca_file = env.get("INFLUXDB_CA_FILE")
    return verdict(bool(ca_file), f"InfluxDB URL {urls[0]}, verified with {ca_file}",
                   f"InfluxDB URL {urls[0]} but no INFLUXDB_CA_FILE names our CA")


def decide_kafka_clients(envs: dict[str, dict[str, str] | None]) -> Outcome:
    problems, seen = [], []
    for workload, env in envs.items():
        servers = [v for v in (env or {}).values() if re.search(r"kafka[-\w.]*:\d+", v)]
        if env is None or not servers:
            problems.append(f"{workload}: {'missing' if env is None else 'no Kafka bootstrap value'}")
        elif any(":9093" not in s or ":9092" in s for s in servers):
            problems.append(f"{workload} uses {listing(servers)}")
        elif env.get("KAFKA_SECURITY_PROTOCOL") != "SSL" or not env.get("KAFKA_SSL_CAFILE"):
            problems.append(f"{workload} is not set to SSL with KAFKA_SSL_CAFILE naming our CA")
        else:
            seen.append(f"{workload} -> {servers[0]}")
    return verdict(not problems, "; ".join(seen), "; ".join(problems))


def decide_listeners(envs: dict[str, dict[str, str] | None]) -> Outcome:
    """PASS when the client listener binds 9093, nothing binds 9092, and every listener (client, inter-broker,
    controller) is SSL in a consistent configuration, read as the broker reads its KAFKA_* variables."""
    env = next(iter(envs.values()))
    if env is None:
        return failed("StatefulSet kafka does not exist")
    props = broker_properties(env)
    pairs = props.get("listener.security.protocol.map", "").split(",")
    protocols = dict(p.split(":", 1) for p in pairs if ":" in p)
    listeners = re.findall(r"(\w+)://[^:,]*:(\d+)", props.get("listeners", ""))
    shown = f"listeners {props.get('listeners', '?')}; map {props.get('listener.security.protocol.map', '?')}"
    problems = [f"{name} still binds 9092" for name, port in listeners if port == "9092"]
    if not any(port == "9093" and protocols.get(name) == "SSL" for name, port in listeners):
        problems.append("no SSL listener on 9093")
    problems += [f"{name} is {protocols[name]}" for name, _ in listeners if protocols.get(name, "SSL") != "SSL"]
    problems += listener_problems(props)
    return verdict(not problems, shown, f"{'; '.join(problems)}: {shown}")


CHECKS = (
    secret_check("m7.influxdb-tls-secret", "influxdb-tls", "influxdb-service", INFLUX_OFF),
    Check("m7.influxdb-mounts-tls", gather_mount, decide_mount, skip=INFLUX_OFF),
    Check("m7.influxdb-tls-logs", lambda probe: probe.logs("statefulset/influxdb", since=None), decide_listening,
          skip=INFLUX_OFF),
    handshake_check("m7.influxdb-tls-handshake", "influxdb-service", 8086, INFLUX_OFF),
    Check("m7.processor-https", gather_env(("deployment", "processor")), decide_influxdb_url, skip=INFLUX_OFF),
    Check("m7.no-tls-errors", logs_of("app=influxdb", "app=processor", "app=grafana"), decide_no_tls_errors,
          skip=INFLUX_OFF),
    secret_check("m8.kafka-tls-secret", "kafka-tls", "kafka-service", KAFKA_OFF),
    handshake_check("m8.kafka-tls-handshake", "kafka-service", 9093, KAFKA_OFF),
    Check("m8.kafka-tls-config", gather_env(("statefulset", "kafka")), decide_listeners, skip=KAFKA_OFF),
    Check("m8.clients-tls", gather_env(("deployment", "producer"), ("deployment", "processor")), decide_kafka_clients,
          skip=KAFKA_OFF),
    Check("m8.no-tls-errors", logs_of("app=kafka", "app=producer", "app=processor"), decide_no_tls_errors,
          skip=KAFKA_OFF),
)
