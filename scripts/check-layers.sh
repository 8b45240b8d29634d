#!/usr/bin/env bash
# Fails when a module imports something Package.swift does not declare for it, or when
# Package.swift declares a dependency its layer must not have (docs/architecture.md, "Modules"):
# the vocabulary at the bottom, pure cores above it, edges (files, MQTT, storage, HTTP) above
# those, commands on top; engines only in the edge that owns them. The table is in
# scripts/check-layers.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/check-layers.py "$@"
