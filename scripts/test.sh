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
# Every test in one `swift test`: the API's store work runs on the store's own threads
# (Store.access), so a server under test never waits for the cooperative pool that the other tests
# share. TEST_ROUNDS=2 (CI sets it) runs the suite twice in a row, to catch flaky tests; each
# round's time is printed.
for round in $(seq 1 "${TEST_ROUNDS:-1}"); do
  started=$(date +%s)
  swift test --skip-build
  echo "test: round $round passed in $(( $(date +%s) - started )) s"
done
