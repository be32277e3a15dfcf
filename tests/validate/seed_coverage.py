"""Which checks prove each verification criterion of the seed (milestones 1-9), or why a program cannot.

Keys are the criteria exactly as tests/validate/seed_criteria.txt copies them from seed-milestones.md. A value is
either the check ids whose PASS shows the criterion holds, or a sentence starting with NOT_CHECKABLE and the reason.
"""

from __future__ import annotations

NOT_CHECKABLE = "not checkable by a program:"
DRILL = (f"{NOT_CHECKABLE} it needs pods deleted, which validate must never do; "
         "a resilience drill deletes and times them")
FILMED = f"{NOT_CHECKABLE} it is a screen recording a person makes and watches"

SEED_COVERAGE: dict[str, tuple[str, ...] | str] = {
    # Milestone 1
    "All CA3 manifests reference `conveyor-pipeline` namespace": ("m1.namespace",),
    "`./scripts/deploy.sh` completes successfully":
        f"{NOT_CHECKABLE} it is `ca3 deploy`'s own exit code, shown when it runs (scripts/deploy.sh calls it)",
    "`./scripts/validate.sh` shows 26/26 tests passed":
        f"{NOT_CHECKABLE} it is this command's own summary; `ca3 validate` exits non-zero when any check fails",
    "`kubectl get all -n conveyor-pipeline` shows all pods running":
        ("m1.pods-running", "m1.kafka-ready", "m1.influxdb-ready", "m1.producer-ready", "m1.processor-ready",
         "m1.grafana-ready", "m1.service-endpoints"),
    "Grafana accessible at NodePort URL": ("m1.grafana-nodeport", "m1.grafana-health"),
    "Producer generating data, processor writing to InfluxDB":
        ("m1.producer-logs", "m1.topic", "m1.topic-message", "m1.processor-logs", "m1.data-flow"),
    # Milestone 2
    "Prometheus pod running in `conveyor-pipeline` namespace": ("m2.prometheus-ready",),
    "Prometheus service created and accessible": ("m2.prometheus-service", "m2.prometheus-ui"),
    "Port-forward to Prometheus UI: `kubectl port-forward -n conveyor-pipeline svc/prometheus-service 9090:9090`":
        ("m2.prometheus-ui",),
    "Access http://localhost:9090 shows Prometheus UI": ("m2.prometheus-ui",),
    'Prometheus "Status > Targets" shows at least Prometheus itself as a target': ("m2.prometheus-self-target",),
    "Prometheus can query basic metrics (e.g., `up`)": ("m2.prometheus-query-up",),
    # Milestone 3
    "Producer pod exposes metrics at `/metrics` endpoint (port 8000)": ("m3.producer-metrics",),
    "Processor pod exposes metrics at `/metrics` endpoint (port 8000)": ("m3.processor-metrics",),
    # The seed's own command, run as written: the app images carry curl for it.
    "`kubectl exec -n conveyor-pipeline <producer-pod> -- curl localhost:8000/metrics` returns Prometheus metrics":
        ("m3.producer-metrics-exec",),
    "Prometheus UI shows producer and processor as targets": ("m3.prometheus-app-targets",),
    "Prometheus can query custom metrics: `producer_messages_sent_total`, `processor_messages_consumed_total`":
        ("m3.prometheus-custom-metrics",),
    # Milestone 4
    "Grafana shows Prometheus datasource as connected": ("m4.grafana-prometheus-datasource",),
    'New dashboard "CA3 Pipeline Metrics" appears in Grafana': ("m4.dashboard",),
    "Panel 1 shows producer message rate > 0": ("m4.panel-producer-rate",),
    "Panel 2 shows processor consumption rate > 0": ("m4.panel-processor-rate",),
    "Panel 3 shows InfluxDB write rate > 0": ("m4.panel-influxdb-writes",),
    "All panels update in real-time (5s refresh)": ("m4.dashboard-refresh",),
    # Milestone 5
    "Loki pod running in `conveyor-pipeline` namespace": ("m5.loki-ready", "m5.loki-service"),
    "Promtail DaemonSet running (1 pod per node)": ("m5.log-agent-per-node", "m5.log-agent-rbac"),
    "Grafana shows Loki datasource as connected": ("m5.grafana-loki-datasource",),
    'In Grafana Explore, can query logs: `{namespace="conveyor-pipeline"}`': ("m5.loki-namespace-query",),
    "Logs visible from producer, processor, kafka, influxdb pods": ("m5.loki-apps",),
    'Can filter logs by pod label: `{namespace="conveyor-pipeline", app="producer"}`': ("m5.loki-app-filter",),
    'Can search for specific log content (e.g., "Speed:", "Writing to InfluxDB")':
        ("m5.loki-search-speed", "m5.loki-search-writes"),
    # Milestone 6: validate never creates load; `ca3 load-test` drives it and records the cycle, which
    # m6.scaling-cycle reads back (up to 2+ replicas and back to the minimum, with timestamps).
    "Load test script successfully generates high traffic": ("m6.scaling-cycle",),
    "HPA triggers scale-up event (visible in `kubectl describe hpa`)": ("m6.scaling-cycle",),
    "Producer replicas increase from 1 to 2+ during load test": ("m6.scaling-cycle",),
    "Grafana shows increased message throughput during load":
        f"{NOT_CHECKABLE} it is a Grafana panel a person watches; `ca3 load-test` records the same Prometheus "
        "rates per replica level in outputs/scaling-test-results.md",
    "After load stops, HPA scales back down to 1 replica": ("m6.hpa-configured", "m6.hpa-metrics", "m6.scaling-cycle"),
    "Complete scaling cycle documented with timestamps": ("m6.scaling-cycle",),
    # Milestone 7
    "TLS certificates generated and stored as Kubernetes Secret": ("m7.influxdb-tls-secret",),
    "InfluxDB pod mounts TLS certificate and key": ("m7.influxdb-mounts-tls",),
    "InfluxDB logs show TLS enabled on startup": ("m7.influxdb-tls-logs",),
    "Processor successfully connects to InfluxDB via HTTPS": ("m7.processor-https", "m1.processor-logs"),
    "Grafana datasource connects to InfluxDB via HTTPS": ("m7.grafana-influxdb-https",),
    "`kubectl logs` shows no TLS handshake errors": ("m7.no-tls-errors",),
    "Data still flows: Producer → Kafka → Processor → InfluxDB (HTTPS)":
        ("m1.data-flow", "m7.influxdb-tls-handshake"),
    # Milestone 8
    "Kafka broker starts with TLS enabled": ("m8.kafka-tls-secret", "m8.kafka-tls-handshake"),
    "Kafka listens on TLS port (9093)": ("m8.kafka-tls-handshake", "m8.kafka-tls-config"),
    "Producer successfully sends messages via TLS": ("m8.clients-tls", "m1.topic-message"),
    "Processor successfully consumes messages via TLS": ("m8.clients-tls", "m1.data-flow"),
    "No plaintext connections on port 9092": ("m8.no-plaintext-9092",),
    # Read from the StatefulSet's environment rather than by exec, so no keystore secret is ever printed.
    "`kubectl exec` into Kafka pod and verify TLS config": ("m8.kafka-tls-config",),
    # Milestone 9: validate sees the state after a drill, never causes one.
    "Video recording (≤3 min) shows all failure scenarios": FILMED,
    "Each deleted pod is automatically recreated by Kubernetes": ("m9.controller-owned",),
    "Pods return to Running state within 30 seconds": DRILL,
    "Pipeline continues processing data after recovery": ("m9.no-crashloops", "m1.data-flow"),
    "Video shows clear operator actions (checking logs, status)": FILMED,
    "Written documentation explains troubleshooting steps":
        f"{NOT_CHECKABLE} it is prose for people (outputs/operator-procedures.md), judged by reading it",
}
