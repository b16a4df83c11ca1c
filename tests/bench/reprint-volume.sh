#!/usr/bin/env bash
# Reprint fan-out on the national fixture (issue 17): the reprint benchmark re-run on the store
# page-bench builds (every province, city and county portal of China with a million articles,
# SQLite), each portal already subscribed to the fixture's State Council source. One new item is
# ingested and every site's home page fetched until each shows it; the reference, in the same
# run, is the same home pages from the page cache. Replaces the "reprint-volume" section of
# docs/BENCHMARKS.md.
#
#   tests/bench/reprint-volume.sh          # needs target/bench/pages/zq_national_1000000 (pages.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
ARTICLES=${ARTICLES:-1000000}
DB=target/bench/pages/zq_national_$ARTICLES/zhanqun.db
[ -f "target/bench/pages/zq_national_$ARTICLES.built" ] \
  || { echo "no national fixture at $DB: run tests/bench/pages.sh (BACKENDS=sqlite) first" >&2; exit 1; }
cargo build --release --quiet -p zhanqun-tests --bin reprint-bench
ROW=$(env -u ZHANQUN_TEST_DATABASE_URL REPRINT_BENCH_STORE="sqlite://$DB" target/release/reprint-bench)
MARK='<!-- section: reprint-volume (written by tests/bench/reprint-volume.sh) -->'
SECTION=$(cat <<MD
$MARK
## Reprint fan-out on the national fixture

Measured by \`tests/bench/reprint-volume.sh\` on $(date -u +%Y-%m-%d) (commit $(git rev-parse --short HEAD)),
$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), release build, SQLite.
The same measurement as the section above, on the store of the "pages" section instead of
empty sites: every site holds its share of the fixture's articles, and each of the other
portals subscribes to the fixture's State Council source (publish at once, home-page slot).
Every subscriber's home page is first cached; the reference
is fetching them all again from the cache; then one new item is ingested and those home pages
fetched until each shows it.

| store | sites | placed | delivery records (last hour) | ingest (one transaction) | ingest → every home page shows it | reference: the same home pages, cached | home pages re-rendered × mean render time | setup |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$ROW
MD
)
printf '%s\n' "$SECTION" | python3 tests/bench/section.py reprint-volume
echo "$ROW"
