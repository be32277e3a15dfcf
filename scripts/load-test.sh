#!/usr/bin/env bash
# The seed's ./scripts/load-test.sh: `ca3 load-test` (options pass through, e.g. --rate 2000 --duration 300).
# Writes outputs/hpa-scaling-events.txt, hpa-scaling.png, scaling-test-results.md and hpa-scaling-samples.json.
set -euo pipefail
# shellcheck source=scripts/_ca3.sh
source "$(dirname "$0")/_ca3.sh"
ca3_exec load-test "$@"
