#!/usr/bin/env bash
# The test command: installs dependencies if missing, builds, and runs every test. Integration
# tests start their own mosquitto brokers on free loopback ports and write real SQLite files; the
# contract check runs schemathesis against a live server's OpenAPI document. Every store test
# and end-to-end test runs again on PostgreSQL, on a throwaway cluster started here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
./scripts/check-layers.sh
swift build --build-tests
./scripts/contract.sh
# The web console in headless Chromium: its own step, bounded (BROWSER_TIMEOUT, default 300 s).
./scripts/browser.sh
# Every test in one `swift test`: the API's store work runs on the store's own threads
# (Store.access), so a server under test never waits for the cooperative pool that the other tests
# share. TEST_ROUNDS=2 (CI sets it) runs the suite twice in a row, to catch flaky tests; each
# round's time is printed.
# A PostgreSQL cluster of the tests' own (initdb and pg_ctl as `postgres` when run as root), in a
# temporary folder on a free loopback port, stopped at the end whatever happens.
pg=$(./scripts/pg-cluster.sh start)
read -r pg_url pg_dir <<< "$pg"
trap './scripts/pg-cluster.sh stop "$pg_dir"' EXIT
export EQUIPWATCH_TEST_POSTGRES="$pg_url"
for round in $(seq 1 "${TEST_ROUNDS:-1}"); do
  started=$(date +%s)
  swift test --skip-build --skip ClusterTests
  echo "test: round $round (SQLite, and the PostgreSQL engine's own tests) passed in $(( $(date +%s) - started )) s"
  # The same store, end-to-end and API suites on PostgreSQL. At most 3 tests at a time: many
  # tests wait synchronously on the async pool's threads, and a network store makes those waits
  # long enough to starve the servers of the others.
  started=$(date +%s)
  EQUIPWATCH_TEST_ENGINE=postgres SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=3 \
    swift test --skip-build --filter "StorageTests|IntegrationTests|APITests"
  echo "test: round $round on PostgreSQL passed in $(( $(date +%s) - started )) s"
  # Cluster mode: three `equipwatch run` processes on the same PostgreSQL and a broker, killed and
  # restarted against a 4 s lease timeout: alone, so other tests do not slow the takeovers they time.
  started=$(date +%s)
  swift test --skip-build --filter ClusterTests
  echo "test: round $round of the cluster passed in $(( $(date +%s) - started )) s"
done
