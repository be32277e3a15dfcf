"""Checks that data moves: the topic, a message on it, the apps' log lines, and points arriving in InfluxDB."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ca3cli.edges.portforward import request
from ca3cli.operations.validate.model import Check, Outcome, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe

KAFKA, INFLUXDB = "kafka", "influxdb"  # the components whose pod and Service these checks reach
PRODUCER, TOPIC_VARIABLE = "producer", "KAFKA_TOPIC"  # the topic is the one the producer is told to publish to
KAFKA_BIN = "/opt/kafka/bin"
# With TLS for Kafka (milestone 8) the in-pod admin tools connect like any client; the Kafka StatefulSet mounts this
# client configuration (security.protocol=SSL and the CA truststore).
KAFKA_CLIENT_TLS = "/etc/kafka/client/client-tls.properties"
FLOW_WAIT_S = 20.0
FLOW_POLL_S = 2.0
PREVIEW = 120


def kafka_tool(probe: Probe, tool: str, *args: str) -> list[str]:
    """The argv of a Kafka CLI tool run inside the broker pod, over TLS once milestone 8 switched it on."""
    if probe.features["tls_kafka"]:
        service = probe.names.service(KAFKA)
        server = [f"{service.name}.{probe.namespace}.svc:{service.port}", "--command-config", KAFKA_CLIENT_TLS]
    else:
        server = [f"localhost:{probe.names.container_port(KAFKA, 'client')}"]
    return [f"{KAFKA_BIN}/{tool}", "--bootstrap-server", *server, *args]


def topic(probe: Probe) -> str:
    """The topic as rendered into the producer's environment (templates/_helpers.j2 names it once)."""
    return probe.names.env(PRODUCER, TOPIC_VARIABLE)


def gather_topic(probe: Probe) -> dict[str, Any]:
    name = topic(probe)
    describe = kafka_tool(probe, "kafka-topics.sh", "--describe", "--topic", name)
    result = probe.exec(probe.names.first_pod(KAFKA), *describe)
    return {"topic": name, "output": result.stdout + result.stderr, "code": result.returncode,
            "want": probe.settings.kafka.partitions}


def decide_topic(evidence: dict[str, Any]) -> Outcome:
    name = evidence["topic"]
    match = re.search(r"PartitionCount:\s*(\d+)", evidence["output"])
    if evidence["code"] != 0 or not match:
        return failed(f"topic {name} not described: {evidence['output'].strip()[:PREVIEW] or 'no output'}")
    count = int(match.group(1))
    return verdict(count >= evidence["want"], f"{name}: {count} partitions",
                   f"{name}: {count} partitions, fewer than the configured {evidence['want']}")


def gather_message(probe: Probe) -> dict[str, Any]:
    """Read one message without committing offsets, so no consumer group is left behind."""
    name = topic(probe)
    argv = kafka_tool(probe, "kafka-console-consumer.sh", "--topic", name, "--from-beginning", "--max-messages", "1",
                      "--timeout-ms", "20000", "--consumer-property", "enable.auto.commit=false")
    result = probe.exec(probe.names.first_pod(KAFKA), *argv, timeout=35)
    return {"topic": name, "stdout": result.stdout, "stderr": result.stderr, "code": result.returncode}


def decide_message(evidence: dict[str, Any]) -> Outcome:
    lines = [line for line in evidence["stdout"].splitlines() if line.strip()]
    if not lines:
        said = evidence["stderr"].strip()[:PREVIEW] or "no output"
        return failed(f"no message read from {evidence['topic']}: {said}")
    try:
        fields = ", ".join(sorted(json.loads(lines[0])))
        return passed(f"read a message with fields {fields[:PREVIEW]}")
    except (json.JSONDecodeError, TypeError):
        return passed(f"read a message: {lines[0][:PREVIEW]}")


def logs_check(check_id: str, component: str, needle: str) -> Check:
    """PASS when the recent logs of the component's pods (selected by their `app` label) contain `needle`."""

    def gather(probe: Probe) -> tuple[str, str]:
        selector = f"app={probe.names.app(component)}"
        return selector, probe.logs(selector)

    def decide(evidence: tuple[str, str]) -> Outcome:
        selector, text = evidence
        hits = [line for line in text.splitlines() if needle in line]
        latest = hits[-1][:PREVIEW] if hits else ""
        return verdict(bool(hits), f"{len(hits)} lines with `{needle}` in 10 min, e.g. {latest}",
                       f"no line with `{needle}` in the last 10 minutes of {selector} logs")

    return Check(check_id, gather, decide)


# --- data reaches InfluxDB -------------------------------------------------------------------------------------


def flux_count(bucket: str, start: datetime) -> str:
    """A Flux query counting every point written since `start` (a fixed instant, so the count can only grow)."""
    return (f'from(bucket: "{bucket}") |> range(start: {start:%Y-%m-%dT%H:%M:%SZ}) '
            '|> count() |> group() |> sum()')


def csv_sum(text: str) -> int:
    """The sum of `_value` in an InfluxDB annotated-CSV answer without annotations (0 when there is no row)."""
    rows = csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if line.strip())))
    return sum(int(row["_value"]) for row in rows if row.get("_value"))


def query_count(probe: Probe, flux: str) -> int:
    https = probe.features["tls_influxdb"]
    service = probe.names.service(INFLUXDB)
    port = probe.forward(service.target, service.port).local_port
    url = f"{'https' if https else 'http'}://127.0.0.1:{port}/api/v2/query?org={probe.settings.influxdb.org}"
    body = json.dumps({"query": flux, "type": "flux", "dialect": {"header": True, "annotations": []}}).encode()
    token = probe.secret(probe.names.secret(INFLUXDB, "admin-token").name, "admin-token")
    headers = {"Authorization": f"Token {token}",
               "Content-Type": "application/json", "Accept": "application/csv"}
    tls = probe.tls(service.name) if https else None
    return csv_sum(request(url, "POST", body, headers, timeout=10, tls=tls).decode())


def gather_flow(probe: Probe) -> dict[str, Any]:
    """Count points since one minute ago, then again until the count grows or the wait runs out."""
    start = datetime.now(UTC) - timedelta(minutes=1)
    flux = flux_count(probe.settings.influxdb.bucket, start)
    first = later = query_count(probe, flux)
    began = time.monotonic()
    while later <= first and time.monotonic() - began < FLOW_WAIT_S:
        time.sleep(FLOW_POLL_S)
        later = query_count(probe, flux)
    return {"first": first, "later": later, "seconds": round(time.monotonic() - began, 1), "since": start}


def decide_flow(evidence: dict[str, Any]) -> Outcome:
    first, later, since = evidence["first"], evidence["later"], f"{evidence['since']:%H:%M:%S}Z"
    return verdict(later > first, f"points since {since}: {first} -> {later} in {evidence['seconds']}s",
                   f"points since {since} stayed at {later} for {evidence['seconds']}s: nothing is being written")


CHECKS = (
    Check("m1.topic", gather_topic, decide_topic, timeout_s=40),
    Check("m1.topic-message", gather_message, decide_message, timeout_s=45),
    logs_check("m1.producer-logs", "producer", "Speed:"),
    logs_check("m1.processor-logs", "processor", "Writing to InfluxDB"),
    Check("m1.data-flow", gather_flow, decide_flow, timeout_s=45),
)
