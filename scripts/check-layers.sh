#!/usr/bin/env bash
# Fails when a module imports one of ours that its layer must not see (docs/architecture.md):
# the domain vocabulary at the bottom, pure cores above it, edges (files, MQTT, storage) above
# those, commands on top; test helpers never in the shipped binary.
set -euo pipefail
cd "$(dirname "$0")/.."

# module: the modules of ours it may import (anything else of ours is a layering error).
allowed() {
  case "$1" in
    Domain|Source|BrokerProcess|CMosquitto|WebConsole) echo "" ;;
    DeviceCatalog) echo "Domain Source" ;;
    Ingest) echo "Domain DeviceCatalog" ;;
    Inspection) echo "Domain Source DeviceCatalog" ;;
    Rules) echo "Domain Source DeviceCatalog Ingest" ;;
    Maintenance) echo "Domain DeviceCatalog Ingest Rules Inspection" ;;
    Risk) echo "Domain Source DeviceCatalog Ingest Inspection" ;;
    Settings) echo "Domain Source DeviceCatalog" ;;
    Storage) echo "Domain" ;;
    MQTT) echo "CMosquitto" ;;
    SourceFiles) echo "Domain Source DeviceCatalog Rules Risk Settings Inspection" ;;
    Simulation) echo "Domain DeviceCatalog Ingest MQTT" ;;
    Pipeline) echo "Domain Source SourceFiles DeviceCatalog Ingest Rules Inspection Maintenance Risk Settings Storage MQTT" ;;
    Replay) echo "Domain DeviceCatalog Ingest Rules Storage" ;;
    Bench) echo "Domain Source SourceFiles DeviceCatalog Ingest Rules Maintenance Risk Settings Storage MQTT Pipeline Simulation BrokerProcess HTTPAPI Inspection" ;;
    HTTPAPI) echo "Domain Storage Pipeline Settings DeviceCatalog Maintenance Inspection WebConsole" ;;
    Commands) echo "Domain Source SourceFiles DeviceCatalog Ingest Rules Inspection Maintenance Risk Settings Storage MQTT Pipeline Simulation Replay Bench HTTPAPI" ;;
    EquipWatchCLI) echo "Commands" ;;
    *) echo "?" ;;
  esac
}

ours=$(ls Sources | tr '\n' ' ')
ours="$ours TestSupport"
status=0
for dir in Sources/*/; do
  module=$(basename "$dir")
  permitted=$(allowed "$module")
  if [ "$permitted" = "?" ]; then
    echo "check-layers: Sources/$module has no layer in scripts/check-layers.sh; add it" >&2
    status=1
    continue
  fi
  while IFS=: read -r file _ line; do
    imported=$(echo "$line" | sed -E 's/^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*import[[:space:]]+([A-Za-z_]+).*/\2/')
    case " $ours " in *" $imported "*) ;; *) continue ;; esac
    [ "$imported" = "$module" ] && continue
    case " $permitted " in
      *" $imported "*) ;;
      *) echo "check-layers: $file imports $imported, which $module must not depend on" >&2; status=1 ;;
    esac
  done < <(grep -rnE '^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*import[[:space:]]+[A-Za-z_]+' "$dir" --include='*.swift' || true)
done
if [ $status -eq 0 ]; then echo "check-layers: every import follows the layers"; fi
exit $status
