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
# The web console in headless Chromium: its own step, bounded (BROWSER_TIMEOUT, default 300 s).
./scripts/browser.sh
# The HTTP API tests run in a process of their own: a server under test shares Swift's cooperative
# thread pool (one thread per core) with the tests in its process, and the integration tests hold
# those threads while they wait on brokers and pipelines, which stalls the server's streams.
# TEST_ROUNDS=2 (CI sets it) runs the suite twice in a row, to catch flaky tests; each round's
# time is printed.
for round in $(seq 1 "${TEST_ROUNDS:-1}"); do
  started=$(date +%s)
  swift test --skip-build --skip '^APITests\.'
  swift test --skip-build --filter '^APITests\.'
  echo "test: round $round passed in $(( $(date +%s) - started )) s"
done
