"""TLS checks (milestones 7 and 8): certificates in Secrets, mounts, handshakes verified against our CA, clients."""

from __future__ import annotations

import base64
import re
import ssl
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from ca3cli.core.kubeobjects import ConfigMap, Secret, Workload
from ca3cli.core.lint.tls import broker_properties, listener_problems
from ca3cli.edges.portforward import tls_handshake
from ca3cli.operations.certs.inspect import describe, signed_by
from ca3cli.operations.certs.names import broker_names
from ca3cli.operations.validate.model import Check, Outcome, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.workloads import listing

# Registry components whose objects the checks read (names come from probe.names, ca3cli/core/topology.py).
INFLUXDB, KAFKA, PROCESSOR, PRODUCER, GRAFANA = "influxdb", "kafka", "processor", "producer", "grafana"
TLS_ERROR = re.compile(r"tls: |x509: |handshake (error|fail)|certificate verify failed|SSLError|bad certificate|"
                       r"unknown (ca|authority)", re.I)


def off_unless(feature: str, setting: str) -> Any:
    def skip(probe: Probe) -> str | None:
        return None if probe.features[feature] else f"TLS is off for this component (`{setting}: false` in ca3.yaml)"

    return skip


INFLUX_OFF = off_unless("tls_influxdb", "tls.influxdb")
KAFKA_OFF = off_unless("tls_kafka", "tls.kafka")


# --- the certificate in its Secret -----------------------------------------------------------------------------


def secret_check(check_id: str, component: str, skip: Any) -> Check:
    """PASS when the TLS Secret the component mounts is a kubernetes.io/tls Secret whose current certificate is
    signed by our CA (ConfigMap ca3-ca) and names the component's Service (and, for a StatefulSet such as Kafka,
    every pod's headless name)."""

    def gather(probe: Probe) -> dict[str, Any]:
        obj = probe.get(Secret, "secret", probe.names.tls_secret(component))
        data = obj.get("data") or {}
        cert = base64.b64decode(data["tls.crt"]).decode() if "tls.crt" in data else ""  # public; the key stays unread
        wanted = [f"{probe.names.service(component).name}.{probe.namespace}.svc"]
        if component == KAFKA:
            wanted += [name for name in broker_names(probe.settings, probe.names) if name.endswith(".svc")]
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
    workload = probe.names.workload(INFLUXDB)
    return {"ref": workload.ref, "workload": probe.find(Workload, f"{workload.kind}s", workload.name),
            "secret": probe.names.tls_secret(INFLUXDB)}


def decide_mount(evidence: dict[str, Any]) -> Outcome:
    obj, secret = evidence["workload"], evidence["secret"]
    if obj is None:
        return failed(f"{evidence['ref']} does not exist")
    pod = obj["spec"]["template"]["spec"]
    volumes = {v["name"] for v in pod.get("volumes", []) if v.get("secret", {}).get("secretName") == secret}
    mounts = [f"{c['name']}:{m['mountPath']}" for c in pod.get("containers", []) for m in c.get("volumeMounts", [])
              if m["name"] in volumes]
    return verdict(bool(mounts), f"{secret} mounted at {listing(mounts)}",
                   f"no container mounts a volume from Secret {secret}")


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


def logs_of(*components: str) -> Any:
    """The recent logs of the components' pods, selected by their `app` label."""

    def gather(probe: Probe) -> str:
        return "\n".join(probe.logs(f"app={probe.names.app(component)}") for component in components)

    return gather


def startup_logs(component: str) -> Any:
    """Every log line of the component's workload since it started."""

    def gather(probe: Probe) -> str:
        return probe.logs(probe.names.workload(component).ref, since=None)

    return gather


# --- handshakes ------------------------------------------------------------------------------------------------


def handshake_check(check_id: str, component: str, port: str, skip: Any) -> Check:
    """PASS when the component's Service, on its port called `port`, completes a handshake verified against our CA
    for the Service's DNS name."""

    def gather(probe: Probe) -> dict[str, Any]:
        service = probe.names.service(component)
        target = probe.tls(service.name)
        try:
            return {"name": target.server_name,
                    **tls_handshake(probe.forward(service.target, service.port_named(port)).local_port, target)}
        except (ssl.SSLError, OSError) as exc:
            return {"name": target.server_name, "error": str(exc) or type(exc).__name__}

    return Check(check_id, gather, decide_handshake, skip=skip)


def decide_handshake(evidence: dict[str, Any]) -> Outcome:
    if "error" in evidence:
        return failed(f"handshake as {evidence['name']} failed: {evidence['error'][:160]}")
    return passed(f"{evidence['version']} {evidence['cipher']}, certificate verified for {evidence['name']}")


# --- client configuration --------------------------------------------------------------------------------------


def env_of(probe: Probe, component: str) -> dict[str, str] | None:
    """The plain environment of a component's workload containers: literal values and ConfigMap values (never
    Secrets)."""
    workload = probe.names.workload(component)
    obj = probe.find(Workload, f"{workload.kind}s", workload.name)
    if obj is None:
        return None

    def configmap(ref: str) -> dict[str, str]:
        found = probe.find(ConfigMap, "configmaps", ref)
        return (found.get("data") if found else None) or {}

    env: dict[str, str] = {}
    for container in obj["spec"]["template"]["spec"].get("containers", []):
        for source in container.get("envFrom", []):
            env.update(configmap(source.get("configMapRef", {}).get("name", "")))
        for var in container.get("env", []):
            ref = var.get("valueFrom", {}).get("configMapKeyRef")
            if "value" in var or ref:
                env[var["name"]] = var.get("value", "") if ref is None else configmap(ref["name"]).get(ref["key"], "")
    return env


def gather_env(*components: str) -> Any:
    def gather(probe: Probe) -> dict[str, dict[str, str] | None]:
        return {probe.names.workload(c).ref: env_of(probe, c) for c in components}

    return gather


def decide_influxdb_url(envs: dict[str, dict[str, str] | None]) -> Outcome:
    ref, env = next(iter(envs.items()))
    if env is None:
        return failed(f"{ref} does not exist")
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
    ref, env = next(iter(envs.items()))
    if env is None:
        return failed(f"{ref} does not exist")
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
    secret_check("m7.influxdb-tls-secret", INFLUXDB, INFLUX_OFF),
    Check("m7.influxdb-mounts-tls", gather_mount, decide_mount, skip=INFLUX_OFF),
    Check("m7.influxdb-tls-logs", startup_logs(INFLUXDB), decide_listening, skip=INFLUX_OFF),
    handshake_check("m7.influxdb-tls-handshake", INFLUXDB, "http", INFLUX_OFF),
    Check("m7.processor-https", gather_env(PROCESSOR), decide_influxdb_url, skip=INFLUX_OFF),
    Check("m7.no-tls-errors", logs_of(INFLUXDB, PROCESSOR, GRAFANA), decide_no_tls_errors, skip=INFLUX_OFF),
    secret_check("m8.kafka-tls-secret", KAFKA, KAFKA_OFF),
    handshake_check("m8.kafka-tls-handshake", KAFKA, "client", KAFKA_OFF),
    Check("m8.kafka-tls-config", gather_env(KAFKA), decide_listeners, skip=KAFKA_OFF),
    Check("m8.clients-tls", gather_env(PRODUCER, PROCESSOR), decide_kafka_clients, skip=KAFKA_OFF),
    Check("m8.no-tls-errors", logs_of(KAFKA, PRODUCER, PROCESSOR), decide_no_tls_errors, skip=KAFKA_OFF),
)
