#!/usr/bin/env bash
# Installs what EquipWatch needs beyond the Swift toolchain (Debian/Ubuntu): the mosquitto broker
# and client library, SQLite, a CJK font for the console; with --tests also PostgreSQL's server (the tests run every store
# test on both engines, on a throwaway cluster). Skips apt when everything is already there.
set -euo pipefail
need=()
if [ "${1:-}" = "--tests" ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql-15)
fi
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
[ -f /usr/include/mosquitto.h ] || need+=(libmosquitto-dev)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# A CJK font (3 MB), or a browser on this machine shows boxes where the console's Chinese should be.
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  need+=(fontconfig fonts-wqy-microhei)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "setup: the Swift toolchain (6.1 or later) must be on PATH" >&2; exit 1; }
