#!/usr/bin/env bash
# The web console in a real browser: starts `equipwatch run` (debug build) with a local broker
# and the sample fleet, makes tokens, and drives Debian's headless Chromium through Selenium
# (Tests/Browser/console_test.py): sign-in, live alarms, acknowledgement, the device page, a
# firm's and an owner's scope, the keyboard, a phone's width, the browser log. Screenshots go to a temporary folder
# (SCREENSHOTS=docs/screenshots refreshes the docs' own).
# Bounded: the whole step stops after BROWSER_TIMEOUT seconds (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug/equipwatch
[ -x "$BIN" ] || swift build
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# A CJK font too, or the Chinese labels render as boxes in the screenshots.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk"; then
  echo "browser: installing chromium, chromium-driver and a CJK font"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-microhei fontconfig >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium
WORK=$(mktemp -d)
. scripts/local-broker.sh
start_broker "$WORK"
MOSQ_PID=$BROKER_PID
HTTP_PORT=$(free_port)
RUN_PID=""
cleanup() {
  [ -n "$RUN_PID" ] && kill -INT "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null || true
  kill "$MOSQ_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ARGS=(--data "$WORK/data" --broker "127.0.0.1:$MQ_PORT" --http "127.0.0.1:$HTTP_PORT")
"$BIN" devices import Devices/fleet/tianjin.yaml "${ARGS[@]}" >/dev/null
# The sample fleet's insurance and certificates, and a T certificate of the firm issued today (valid
# 4 years whatever the date the test runs on); the hospital's safety staff for its routine page.
"$BIN" insurance import Devices/people/insurance.yaml "${ARGS[@]}" >/dev/null
"$BIN" certificates import Devices/people/certificates.yaml "${ARGS[@]}" >/dev/null
printf 'certificates:\n  - {number: BROWSER-T-1, holder: 测试, item: T, issued: %s, authority: 天津市市场监督管理委员会, employer: "firm:firm-haihe"}\n' \
  "$(TZ=Asia/Shanghai date +%F)" > "$WORK/cert.yaml"
"$BIN" certificates import "$WORK/cert.yaml" "${ARGS[@]}" >/dev/null
"$BIN" routine staff set --owner owner-tianjin-hospital --principal 刘强 --safety-director 许文 --director-cert TJ-A-2024-2101 \
  --safety-officer 陈静 "${ARGS[@]}" >/dev/null
token() { "$BIN" tokens create "$@" --json "${ARGS[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
export SUP_TOKEN=$(token --role supervisor --name console-supervisor)
export FIRM_ID=firm-haihe
export FIRM_TOKEN=$(token --role firm:firm-haihe --name haihe-dispatcher)
export OWNER_ID=owner-tianjin-hospital
# The owner's token without --name, as the README makes it: the header must still read well.
export OWNER_TOKEN=$(token --role owner:owner-tianjin-hospital)
TZ=Asia/Shanghai "$BIN" run "${ARGS[@]}" > "$WORK/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
export BASE="http://127.0.0.1:$HTTP_PORT" BIN ARGS_DATA="$WORK/data" BROKER="127.0.0.1:$MQ_PORT"
# Screenshots go outside the tree (a test run leaves the clone unchanged); to refresh the ones the
# docs show: SCREENSHOTS=docs/screenshots ./scripts/browser.sh
export SCREENSHOTS="${SCREENSHOTS:-${TMPDIR:-/tmp}/equipwatch-screenshots}"
mkdir -p "$SCREENSHOTS"
status=0
timeout "${BROWSER_TIMEOUT:-300}" python3 Tests/Browser/console_test.py || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser: failed ($status); the pipeline's log:"
  tail -40 "$WORK/run.log"
fi
echo "browser: screenshots in $SCREENSHOTS"
exit "$status"
