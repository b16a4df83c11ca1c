#!/usr/bin/env bash
# The one test command (README): every test, on SQLite and then on a throwaway PostgreSQL.
# Installs what the tests need when it is missing (xmllint for the sitemap schema, Chromium for
# the XSS browser check, PostgreSQL server binaries) — on Debian, as root.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $2 (for $1)" >&2
    (apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; })
  else
    echo "missing $1: install the Debian package $2" >&2; exit 1
  fi
}
need_pkg xmllint libxml2-utils
need_pkg curl curl
need_pkg chromium chromium
need_pkg promtool prometheus
[ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null || need_pkg /usr/lib/postgresql/15/bin/initdb postgresql-15

# Both runs build the whole workspace (the same feature set, so the second run rebuilds nothing);
# the PostgreSQL run then runs every test of the zhanqun-tests package (the story tests, their
# harness and the bench helpers' unit tests): the same set with nextest and with plain cargo test.
# ZHANQUN_TEST_RUNNER=cargo forces plain cargo test where nextest is installed.
if [ "${ZHANQUN_TEST_RUNNER:-}" != cargo ] && cargo nextest --version >/dev/null 2>&1; then
  all=(cargo nextest run --workspace --no-fail-fast --failure-output final)
  stories=(cargo nextest run --workspace --no-fail-fast --failure-output final -E 'package(zhanqun-tests)')
else
  all=(cargo test --workspace --no-fail-fast)
  stories=(cargo test -p zhanqun-tests --no-fail-fast)
fi

echo "== all tests on SQLite =="
env -u ZHANQUN_TEST_DATABASE_URL "${all[@]}"

echo "== story tests (zhanqun-tests) on PostgreSQL =="
tests/with-postgres.sh "${stories[@]}"
