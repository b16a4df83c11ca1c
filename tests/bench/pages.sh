#!/usr/bin/env bash
# Public pages at volume: the cost of a cache miss per page kind at demo size and on the national
# fixture (every division of China, a million articles), in the same run, through HTTP to the
# release binary, on SQLite and then on a throwaway PostgreSQL; then the console and the JSON API
# logged in on the same server. Replaces the "pages" section of
# docs/BENCHMARKS.md.
#
#   tests/bench/pages.sh                  # 1,000,000 articles, both backends
#   ARTICLES=100000 tests/bench/pages.sh  # a quicker run (say so if you commit it)
#   BACKENDS=sqlite tests/bench/pages.sh  # one backend
#   KEEP=1 tests/bench/pages.sh           # only the backends the last run did not finish
#
# The SQLite fixture is kept under target/bench/pages and reused by the next run (delete the
# directory after changing the generator); the PostgreSQL one lives as long as its cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
ARTICLES=${ARTICLES:-1000000}
BACKENDS=${BACKENDS:-sqlite postgres}
PER_KIND=${PER_KIND:-300}
SECONDS_PER_KIND=${SECONDS_PER_KIND:-20}
CONSOLE_REPS=${CONSOLE_REPS:-5}
OUT=tests/bench/out-pages
# KEEP=1: keep the results of an earlier run and measure only the backends without one (a run
# interrupted after SQLite goes on with PostgreSQL).
if [ -z "${KEEP:-}" ]; then rm -rf "$OUT"; fi
mkdir -p "$OUT"
# One cargo run for both binaries: built apart, each build's feature set undid the other's and
# every run recompiled half the workspace twice.
cargo build --release --quiet -p zhanqun -p zhanqun-tests --bin zhanqun --bin page-bench
run() { # backend
  target/release/page-bench --articles "$ARTICLES" --dir target/bench/pages \
    --per-kind "$PER_KIND" --seconds "$SECONDS_PER_KIND" --console-reps "$CONSOLE_REPS" >"$OUT/$1.md" 2>"$OUT/$1.log" \
    || { tail -n 30 "$OUT/$1.log" >&2; exit 1; }
  # A backend kept from an earlier run (KEEP=1) says which commit it measured.
  echo "$(git rev-parse --short HEAD) on $(date -u +%Y-%m-%d)" >"$OUT/$1.at"
  cat "$OUT/$1.md"
}
# PostgreSQL's default 128 MB of shared buffers is far less than the fixture's indexes, and
# every read past them went to the kernel: the cluster gets what a dedicated server would, a
# quarter of the memory (at most 4 GB), as deploy/compose does.
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
PG_BENCH_OPTS="-c shared_buffers=$(( mem_mb / 4 < 4096 ? mem_mb / 4 : 4096 ))MB -c effective_cache_size=$(( mem_mb / 2 ))MB"
for b in $BACKENDS; do
  if [ -n "${KEEP:-}" ] && [ -s "$OUT/$b.md" ]; then
    echo "pages.sh: keeping $OUT/$b.md from the earlier run" >&2
    continue
  fi
  case $b in
    sqlite) env -u ZHANQUN_TEST_DATABASE_URL bash -c "$(declare -f run); OUT=$OUT ARTICLES=$ARTICLES PER_KIND=$PER_KIND SECONDS_PER_KIND=$SECONDS_PER_KIND CONSOLE_REPS=$CONSOLE_REPS run sqlite" ;;
    postgres) PG_OPTS="$PG_BENCH_OPTS" tests/with-postgres.sh bash -c "$(declare -f run); OUT=$OUT ARTICLES=$ARTICLES PER_KIND=$PER_KIND SECONDS_PER_KIND=$SECONDS_PER_KIND CONSOLE_REPS=$CONSOLE_REPS run postgres" ;;
    *) echo "unknown backend $b" >&2; exit 2 ;;
  esac
done
MARK='<!-- section: pages (written by tests/bench/pages.sh) -->'
{
  echo "$MARK"
  echo "## Public pages at volume: cache misses at demo size and on the national fixture"
  echo
  echo "Measured by \`tests/bench/pages.sh\`, written on $(date -u +%Y-%m-%d) (commit $(git rev-parse --short HEAD); each backend below names the commit it measured),"
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), release build, search off except for the search rows."
  echo "Each row requests distinct URLs of one page kind, one at a time and each once (every one a"
  echo "cache miss; the row \"article, four clients at once\" has four clients asking at the same time,"
  echo "each on its own connection, up to $PER_KIND URLs each), from a \`zhanqun serve\` process; server CPU is that process's user + system time"
  echo "(on PostgreSQL plus that of the cluster's \`postgres\` processes, which run the queries;"
  echo "the cluster runs with $PG_BENCH_OPTS)"
  echo "over the series (\`/proc/<pid>/stat\`, 10 ms ticks), less what the background jobs take"
  echo "while idle (measured for 16 s after the start-up check run, shown below), divided by the"
  echo "requests; latency is the"
  echo "client's. First every site is asked for its robots.txt once: a site's context (its row, host"
  echo "names and columns) is read on its first request after start and then kept for the process's"
  echo "life, so that row is the cost of that first read, and the page kinds after it are what a running"
  echo "server pays for a page it has not cached (before 2026-12-06 the first request to each site was"
  echo "counted in whichever page kind happened to touch it first). A kind stops after $PER_KIND requests or $SECONDS_PER_KIND s. Half of the list and"
  echo "catalogue URLs come from the four sites with the most disclosure documents, at a random page"
  echo "depth. The demo store is the demo province; the national store is \`zhanqun_tests::national\`"
  echo "with $ARTICLES generated articles on top of it (see that module for the spread)."
  echo
  echo "Then, once the server has been back at its idle CPU for 8 s (the series' visit counts flushed), the console and the JSON API on the same running server: the bench's own accounts"
  echo "(the province auditor, the province portal's and 佳县's site administrators, the system and"
  echo "audit administrators) log in over HTTP and ask for each URL once, timed on its own (the first"
  echo "request may read what the server then keeps: the list of sites, the national check's run),"
  echo "then $CONSOLE_REPS times in a row (console pages are not cached); server CPU per request as above"
  echo "over those $CONSOLE_REPS, and the size of the answer."
  echo "Issue 17's target for these is 100 ms and 500 KB each."
  echo
  echo "The search rows come from a second server on the same store with search on, once its index"
  echo "holds every published article (built from the store in the background on the first run,"
  echo "reused after): \`/search\` on random sites and, on the province portal, province-wide"
  echo "(\`scope=all\`), common terms (安全生产, 乡村振兴, 工作会议, 通知) and rare ones (a document"
  echo "number, a county's 政办发, 碳普惠), at result pages 1 to 3. Search pages are never cached."
  for b in $BACKENDS; do
    echo
    echo "### $b"
    echo
    if [ -s "$OUT/$b.at" ]; then
      echo "Measured at commit $(cat "$OUT/$b.at")."
      echo
    fi
    cat "$OUT/$b.md"
    echo
    grep -E "ready in|fixture built|background jobs|index complete" "$OUT/$b.log" | sed 's/^page-bench: /- /'
  done
} | python3 tests/bench/section.py pages
