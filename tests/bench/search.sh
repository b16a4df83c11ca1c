#!/usr/bin/env bash
# Search on the national fixture: 2,979 county-level sites (../shared/data/divisions/areas.csv)
# and 1,000,000 generated articles. Builds the index (time, size), measures queries (p50, p99)
# for common and rare terms on one site and province-wide, against SQLite LIKE over the same
# articles in the same run, and freshness on a running server. Replaces the "search" section of
# docs/BENCHMARKS.md.
#
#   tests/bench/search.sh                 # 1,000,000 articles
#   ARTICLES=100000 tests/bench/search.sh # a quicker run (say so if you commit it)
#
# Working on queries: SEARCH_BENCH_INDEX=/tmp/index target/release/search-bench keeps the index
# there; run again with the same directory, it only measures the queries (prints their table).
set -euo pipefail
cd "$(dirname "$0")/../.."
ARTICLES=${ARTICLES:-1000000}
AREAS=${AREAS:-../shared/data/divisions/areas.csv}
OUT=tests/bench/out-search
rm -rf "$OUT"; mkdir -p "$OUT"
cargo build --release --quiet -p zhanqun-tests --bin search-bench
/usr/bin/time -v target/release/search-bench "$ARTICLES" "$AREAS" > "$OUT/tables.md" 2> "$OUT/stderr.txt" \
  || { cat "$OUT/stderr.txt" >&2; exit 1; }
RSS=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$OUT/stderr.txt")
MARK='<!-- section: search (written by tests/bench/search.sh) -->'
python3 tests/bench/section.py search <<MD
$MARK
## Search: the national fixture

Measured by \`tests/bench/search.sh\` on $(date -u +%Y-%m-%d) (commit $(git rev-parse --short HEAD)),
$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), release build.
One site per county-level division of China and $ARTICLES generated articles in the words of
government sites: meetings, notices and policy documents (one in four with a document number),
4 to 8 sentences each; one in 2,000 is a State Council item reprinted on every site; one in
20,000 mentions 碳普惠. The index is built by the same \`SearchIndex\` the server uses (jieba with
the place names and their 人民政府 in the dictionary, one writer with a 32 MB budget), the
articles generated as it reads them; the build time ends with the commit. Queries run one at a
time, 300 per row, each returning the first page of 10 with highlighted title and snippet;
province-wide queries also count every match per site (the facet; the counting runs over the
index's segments on every core while the ranking runs on a thread of its own, so the last row
runs the same common terms from two threads at once, the cores shared). Common terms: 安全生产,
乡村振兴, 工作会议, 通知; rare: 碳普惠, 20 document numbers, 20 place-and-topic pairs
(榆林市 + 防汛抗旱 style). The reference is what a CMS without a search engine does, on the
same articles in SQLite in the same run: \`title LIKE '%…%' OR body LIKE '%…%'\`, newest 10
(median of 3: every such query reads every article). Peak memory of the whole run: $RSS MB.

$(cat "$OUT/tables.md")

Freshness is measured on a running server (the fixture province, SQLite): the time from the
store's publish or withdraw call returning until 佳县's \`/search\` page lists the article, or no
longer does, polled every 2 ms.
MD
cat "$OUT/tables.md"
