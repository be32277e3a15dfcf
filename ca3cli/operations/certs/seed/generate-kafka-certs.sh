#!/usr/bin/env bash
# The seed's k8s/tls/generate-kafka-certs.sh, a thin entry point to `ca3 certs`: it issues the Kafka brokers' certificate (Secret kafka-tls) and, with tls.kafka_client_auth: required, the client one
# from ca3's private CA (made on first use). Keys stay in .ca3/certs/ (mode 0600, git-ignored) and reach the cluster
# only as Kubernetes Secrets, through `ca3 deploy -m 8` (or `ca3 certs --rotate` once deployed).
# Run it from the folder holding ca3.yaml; extra options go to ca3 (e.g. --rotate, --check).
set -euo pipefail
if command -v ca3 >/dev/null 2>&1; then
  exec ca3 certs --only kafka "$@"
fi
if [ -x .venv/bin/ca3 ]; then
  exec .venv/bin/ca3 certs --only kafka "$@"
fi
echo "ca3 is not installed. Run: bash scripts/up.sh (it installs ca3 into .venv/), then run this again." >&2
exit 1
