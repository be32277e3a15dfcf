"""NetworkPolicy checks: the policies present, whether the cluster enforces them, and no plaintext Kafka on 9092."""

from __future__ import annotations

import json
import secrets
import socket
import struct
from collections.abc import Mapping
from typing import Any

from ca3cli.core.kubeobjects import NetworkPolicy, Pod, Service, Workload
from ca3cli.edges import kuberead
from ca3cli.operations.validate.model import Check, Outcome, Status, failed, passed, verdict
from ca3cli.operations.validate.probe import Probe
from ca3cli.operations.validate.tls import KAFKA_OFF
from ca3cli.operations.validate.workloads import listing

PROBE_IMAGE = "busybox:1.37.0"
PROBE_LABEL = "ca3.dev/probe=netpol"  # matches no policy's allow rule, so every policy should shut it out
ENFORCING_PLUGINS = ("calico-node", "cilium", "antrea-agent", "kube-router", "weave-net", "canal")
CONNECTED, BLOCKED = "ca3-probe: connected", "ca3-probe: blocked"


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels and matchExpressions) selects `labels`."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def is_default_deny(policy: Mapping[str, Any], direction: str) -> bool:
    """An empty pod selector, the direction in policyTypes, and no rules for it: nothing allowed that way."""
    spec = policy["spec"]
    everyone = not (spec.get("podSelector") or {}).get("matchLabels") and not (spec.get("podSelector") or {}).get(
        "matchExpressions")
    return everyone and direction in spec.get("policyTypes", []) and not spec.get(direction.lower())


def allows_dns(policy: Mapping[str, Any]) -> bool:
    return any(port.get("port") in (53, "dns", "dns-tcp") for rule in policy["spec"].get("egress") or []
               for port in rule.get("ports") or [])


def gather_policies(probe: Probe) -> dict[str, Any]:
    return {"policies": probe.items(NetworkPolicy, "networkpolicies"), "pods": probe.items(Pod, "pods")}


def decide_policies(evidence: dict[str, Any]) -> Outcome:
    policies, pods = evidence["policies"], evidence["pods"]
    problems = [f"no default-deny {d}" for d in ("Ingress", "Egress")
                if not any(is_default_deny(p, d) for p in policies)]
    problems += [] if any(allows_dns(p) for p in policies) else ["no DNS egress (port 53)"]
    unselected = [pod["metadata"]["name"] for pod in pods
                  if not any(selects(p["spec"].get("podSelector") or {}, pod["metadata"].get("labels", {}))
                             for p in policies)]
    problems += [f"pods no policy selects: {listing(unselected)}"] if unselected else []
    return verdict(not problems, f"{len(policies)} NetworkPolicies; default deny both ways, DNS egress, "
                                 f"all {len(pods)} pods selected", "; ".join(problems))


# --- enforcement: a pod without allowed labels tries Kafka's port ----------------------------------------------


def probe_pod_args(name: str, address: str, port: int) -> list[str]:
    """`kubectl run` for a short-lived, restricted pod that reports whether it could open `address`:`port`."""
    script = f"if nc -z -w 3 {address} {port}; then echo {CONNECTED}; else echo {BLOCKED}; fi"
    container = {"name": name, "image": PROBE_IMAGE, "command": ["sh", "-c", script],
                 "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                 "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                               "limits": {"cpu": "50m", "memory": "32Mi"}}}
    overrides = {"apiVersion": "v1", "spec": {
        "automountServiceAccountToken": False, "containers": [container],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}}}}
    return ["run", name, f"--image={PROBE_IMAGE}", "--restart=Never", "--rm", "-i", "--quiet",
            f"--labels={PROBE_LABEL}", "--pod-running-timeout=45s", f"--overrides={json.dumps(overrides)}"]


KAFKA = "kafka"  # the component whose Service and first pod these checks reach
PLAINTEXT_PORT = 9092  # Kafka's plaintext port, which milestone 8 must close


def gather_enforcement(probe: Probe) -> dict[str, Any]:
    rendered = probe.names.service(KAFKA)
    service = probe.find(Service, "services", rendered.name)
    if service is None:
        return {"output": "", "error": f"Service {rendered.name} does not exist", "plugins": []}
    address, port = service["spec"].get("clusterIP", rendered.name), rendered.port
    result = probe.run(*probe_pod_args(f"ca3-netpol-probe-{secrets.token_hex(3)}", address, port), timeout=60)
    system = kuberead.items(probe.kubectl, Workload, "daemonsets", "-n", "kube-system", namespaced=False, timeout=20)
    return {"output": result.stdout, "error": result.stderr.strip(), "target": f"{address}:{port}",
            "plugins": [d["metadata"]["name"] for d in system]}


def decide_enforcement(evidence: dict[str, Any]) -> Outcome:
    if BLOCKED in evidence["output"]:
        return passed(f"an unlabelled pod could not open Kafka at {evidence['target']}")
    if CONNECTED not in evidence["output"]:
        return failed(f"the probe pod did not run: {evidence['error'][:160] or 'no output'}")
    enforcing = [p for p in evidence["plugins"] if p.startswith(ENFORCING_PLUGINS)]
    if enforcing:
        return failed(f"an unlabelled pod opened Kafka at {evidence['target']} although {enforcing[0]} enforces "
                      "NetworkPolicies: a policy lets it in")
    seen = listing(evidence["plugins"]) or "none found in kube-system"
    return Outcome(Status.WARN, f"an unlabelled pod opened Kafka at {evidence['target']}: this cluster's network "
                                f"plugin ({seen}) does not enforce NetworkPolicies; "
                                "use one that does, such as Calico or Cilium")


# --- no plaintext Kafka on 9092 --------------------------------------------------------------------------------


def api_versions_request(correlation_id: int) -> bytes:
    """A Kafka ApiVersions v0 request (api key 18): the first thing every Kafka client sends."""
    client = b"ca3-validate"
    body = struct.pack(">hhih", 18, 0, correlation_id, len(client)) + client
    return struct.pack(">i", len(body)) + body


def kafka_answers(port: int, timeout: float = 5.0) -> str | None:
    """Speak plaintext Kafka to 127.0.0.1:`port`; return what answered, or None when nothing Kafka-shaped did."""
    correlation = secrets.randbits(31)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(api_versions_request(correlation))
            head = conn.recv(8)
    except OSError:
        return None
    if len(head) == 8 and struct.unpack(">ii", head)[1] == correlation:
        return f"a plaintext Kafka ApiVersions answer ({struct.unpack('>i', head[:4])[0]} bytes)"
    return None


def gather_plaintext(probe: Probe) -> dict[str, Any]:
    name, pod = probe.names.service(KAFKA).name, probe.names.first_pod(KAFKA)
    service = probe.find(Service, "services", name)
    ports = [p.get("port") for p in (service.get("spec", {}).get("ports", []) if service else [])]
    return {"service": name, "pod": pod, "service_ports": ports,
            "answer": kafka_answers(probe.forward(f"pod/{pod}", PLAINTEXT_PORT).local_port)}


def decide_plaintext(evidence: dict[str, Any]) -> Outcome:
    pod, service, ports = evidence["pod"], evidence["service"], evidence["service_ports"]
    if evidence["answer"]:
        return failed(f"{pod}:{PLAINTEXT_PORT} gave {evidence['answer']}")
    if PLAINTEXT_PORT in ports:
        return failed(f"{service} still exposes port {PLAINTEXT_PORT} (ports {ports})")
    return passed(f"{pod}:{PLAINTEXT_PORT} gave no plaintext Kafka answer; {service} ports {ports}")


CHECKS = (
    Check("m1.networkpolicies", gather_policies, decide_policies),
    Check("m1.networkpolicy-enforced", gather_enforcement, decide_enforcement, timeout_s=75),
    Check("m8.no-plaintext-9092", gather_plaintext, decide_plaintext, skip=KAFKA_OFF),
)
