#!/usr/bin/env bash
# The test command: installs dependencies if missing, builds, and runs every test. Integration
# tests start their own mosquitto brokers on free loopback ports and write real SQLite files; the
# contract check runs schemathesis against a live server's OpenAPI document.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/check-layers.sh
swift build --build-tests
./scripts/contract.sh
swift test --skip-build
