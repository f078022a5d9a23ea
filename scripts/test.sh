#!/usr/bin/env bash
# The platform's one test command (README "Tests"). It installs what the tests
# need from Debian's packages when missing (headless Chromium and CJK fonts for
# the browser tests; PostgreSQL 15 for the storage conformance suite), then
# runs every Go test. The tests start their own throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages (${need[*]}): install them with apt-get; browser/PostgreSQL tests may be skipped" >&2
  fi
fi

go test -count=1 -timeout 25m ./...
