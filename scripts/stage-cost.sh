#!/usr/bin/env bash
# The worker's cost per message, stage by stage (Benchmarks/StageCost, ordo-one/benchmark):
# wall time and allocations per message over the sample fleet's message mix. Allocations are
# deterministic: the figure to drive down; times vary with the machine. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout "${STAGE_COST_TIMEOUT:-900}" swift package --allow-writing-to-directory .benchmarks benchmark --no-progress \
  --target StageCost "$@"
