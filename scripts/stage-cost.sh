#!/usr/bin/env bash
# The worker's cost per message, stage by stage, over the sample fleet's message mix:
#  1. wall time and allocations (Benchmarks/StageCost, ordo-one/benchmark). Allocations are
#     deterministic: the figure to drive down; times vary with the machine.
#  2. instructions per message under callgrind (Benchmarks/StageInstructions): the same for the
#     same binary and input whatever else the machine does, so a regression shows as a number
#     (docs/design.md keeps the figures). STAGE_INSTRUCTIONS=0 skips it; STAGE_TIMES=0 skips 1.
# Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${STAGE_TIMES:-1}" != "0" ]; then
  timeout "${STAGE_COST_TIMEOUT:-900}" swift package --allow-writing-to-directory .benchmarks benchmark --no-progress \
    --target StageCost "$@"
fi
[ "${STAGE_INSTRUCTIONS:-1}" = "0" ] && exit 0
if ! command -v valgrind >/dev/null 2>&1; then
  echo "stage-cost: installing valgrind (for callgrind)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
MESSAGES=${STAGE_MESSAGES:-20000}
swift build -c release --product StageInstructions 2>&1 | grep -E "error|warning: " | grep -v "unhandled" || true
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Debian 12's valgrind cannot read the toolchain's DWARF 5: a copy without debug information
# (the symbol table, which callgrind needs for the stage names, stays).
strip --strip-debug -o "$OUT/StageInstructions" .build/release/StageInstructions
timeout "${STAGE_COST_TIMEOUT:-900}" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" --collect-atstart=no \
  --toggle-collect=ew_stage_1_lookup --toggle-collect=ew_stage_2_validation --toggle-collect=ew_stage_3_sequence \
  --toggle-collect=ew_stage_4_rules --toggle-collect=ew_stage_5_planner --toggle-collect=ew_stage_6_commit \
  "$OUT/StageInstructions" "$MESSAGES" > "$OUT/run.log" 2>&1 \
  || { echo "stage-cost: callgrind failed:" >&2; tail -20 "$OUT/run.log" >&2; exit 1; }
echo "Instructions per message (callgrind, $MESSAGES messages a stage of the sample fleet's mix; the same for the same binary and input):"
callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | grep -E 'ew_stage_[0-9]_[a-z]+ ' | sed -E 's/^ *([0-9,]+).*(ew_stage_[0-9]_[a-z]+).*/\2 \1/' \
  | sort | awk -v n="$MESSAGES" '{ gsub(",", "", $2); sub("ew_stage_", "", $1); split($1, p, "_"); printf "  %s %-12s %10.0f instructions a message\n", p[1], p[2], $2 / n; found++ }
      END { if (found != 6) { print "stage-cost: expected 6 stages in the callgrind output, found " found > "/dev/stderr"; exit 1 } }'
