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
fetched until each shows it. Search is off (the bench's app would rebuild a fresh index from the
million articles on the same cores).

The first run of this script (commit 9e4b2d3) took 2,737 ms to ingest and 10,652 ms until every
home page showed the item, 31 ms per home render. Since then a home page keeps each column's
newest articles under the page cache's dependency versions (\`ColumnTop\` in
\`crates/web/src/cache.rs\`), so a home page invalidated by a reprint reads the one column that
changed, not all of them; and SQLite connections read the store through a memory map
(\`SQLITE_MMAP_BYTES\`), which took the ingest's 3,341 placements with their index and trigger
writes from about 1 s of page copying to about 0.4 s (sqlite3 shell, same statements). The
run at 59466e2 (AMD EPYC) took 1,397 ms to ingest and 2,447 ms until every home page showed the
item; the run at c12d3a8 (Intel Xeon, the machine of the row below) 1,410 and 3,307 ms.

Why the issue's one second is not met at this volume, from the figures of the row:
- **The ingest** writes about 44,000 pages in its one transaction, 13 a placement: a placement
  is a row in a table with nine indexes (\`placements_*\`), and its triggers file it under its
  column and every ancestor (\`list_entries\`, \`list_counts\`, \`list_months\`) and as the
  site's article (\`site_articles\`); each subscriber's earlier home-page slot is cleared
  besides. The placements of 3,341 sites land in 3,341 different places of each index.
- **The re-render.** Each of the 3,341 home pages is then rendered once more while the client
  fetches them (the row's mean render time is each render's own duration with several fetches at
  once, not CPU). The time from the ingest's end to the last home page showing the item was
  1,050 ms at 59466e2 and 1,231 ms at 1c225ed: with the ingest free, re-rendering alone (each
  home page reading its one changed column and its home-page slot, then the template) already
  takes more than the second on two cores. One second needs the home page re-rendered in part
  (the changed block only) or for far less, not only a faster ingest.

| store | sites | placed | delivery records (last hour) | ingest (one transaction) | ingest → every home page shows it | reference: the same home pages, cached | home pages re-rendered × mean render time | setup |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$ROW
MD
)
printf '%s\n' "$SECTION" | python3 tests/bench/section.py reprint-volume
echo "$ROW"
