#!/usr/bin/env bash
# The test command: installs dependencies if missing, builds, and runs every test. Integration
# tests start their own mosquitto brokers on free loopback ports and write real SQLite files.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/check-layers.sh
swift build --build-tests
swift test --skip-build
