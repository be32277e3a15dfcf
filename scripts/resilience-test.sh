#!/usr/bin/env bash
# The seed's ./scripts/resilience-test.sh: `ca3 chaos --record` (options pass through, e.g. -e delete-pod-kafka).
# Writes outputs/resilience-report.md, recovery-timeline.png, chaos-journal.json and the recorded drill's video.
set -euo pipefail
# shellcheck source=scripts/_ca3.sh
source "$(dirname "$0")/_ca3.sh"
ca3_exec chaos --record "$@"
