#!/usr/bin/env bash
# Benchmark: zhanqun's cached public pages against nginx serving the same bytes from disk, in the
# same run on the same machine, and zhanqun's uncached render times. Writes docs/BENCHMARKS.md.
#
#   tests/bench/run.sh            # defaults: 10 s per run, 50 connections, 2 wrk threads
#   DURATION=30 CONNS=100 ROUNDS=5 tests/bench/run.sh
#
# zhanqun and nginx are measured alternately, ROUNDS times each; the table reports the median
# round (by requests/s) of each and the ratio of the medians, and lists every round.
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light); installs them when root.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
PUB=127.0.0.1:18180
MAN=127.0.0.1:18181
NGX=127.0.0.1:18182
HOST=6108280001.localhost
OUT=tests/bench/out
rm -rf "$OUT"; mkdir -p "$OUT"

for t in wrk:wrk nginx:nginx-light curl:curl; do
  command -v "${t%%:*}" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "${t#*:}" >/dev/null; } || { echo "need ${t%%:*}" >&2; exit 1; }
done

cargo build --release --quiet
BIN=target/release/zhanqun
"$BIN" --data-dir "$OUT/data" serve --public-addr $PUB --manage-addr $MAN > "$OUT/zhanqun.log" 2>&1 &
ZQ=$!
NGINX_PID=""
cleanup() { kill "$ZQ" 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "http://$MAN/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://$MAN/readyz" >/dev/null || { cat "$OUT/zhanqun.log"; exit 1; }

metric() { curl -s "http://$MAN/metrics" | awk -v k="$1" '$1==k {print $2}'; }
cpu_ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
HZ=$(getconf CLK_TCK)

# --- Uncached render times: every page below is requested once, so each is a cache miss. ---
# "code:news-column" for every site (portals: xwzx/zwyw; department sites: xwdt).
sites=$("$BIN" --data-dir "$OUT/data" sites list --format json | python3 -c 'import json,sys; print(" ".join(s["code"] + ":" + ("xwdt" if s["kind"] == "department" else "xwzx/zwyw") for s in json.load(sys.stdin)))')
for s in $sites; do curl -s -o /dev/null -H "Host: ${s%%:*}.localhost" "http://$PUB/"; done
for s in $sites; do curl -sf -o /dev/null -H "Host: ${s%%:*}.localhost" "http://$PUB/${s#*:}/" || { echo "list of ${s%%:*} failed" >&2; exit 1; }; done
arts=$(curl -s -H "Host: $HOST" "http://$PUB/sitemap.xml" | grep -o '/art/[0-9]*\.html')
for a in $arts; do curl -s -o /dev/null -H "Host: $HOST" "http://$PUB$a"; done
render() { # kind -> "count mean_ms"
  local s c; s=$(metric "zhanqun_render_duration_seconds_sum{page=\"$1\"}"); c=$(metric "zhanqun_render_duration_seconds_count{page=\"$1\"}")
  python3 -c "print(f'{int($c)} {1000*$s/$c:.3f}')"
}
read -r HOME_N HOME_MS <<<"$(render home)"
read -r LIST_N LIST_MS <<<"$(render column)"
read -r ART_N ART_MS <<<"$(render article)"

# --- Cached home page: zhanqun vs nginx with the same bytes. ---
curl -s -H "Host: $HOST" "http://$PUB/" > "$OUT/index.html"
BYTES=$(wc -c < "$OUT/index.html")
mkdir -p "$OUT/nginx"
cat > "$OUT/nginx/nginx.conf" <<NGX
daemon off;
worker_processes auto;
pid $PWD/$OUT/nginx/nginx.pid;
error_log $PWD/$OUT/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  default_type text/html;
  client_body_temp_path $PWD/$OUT/nginx; proxy_temp_path $PWD/$OUT/nginx; fastcgi_temp_path $PWD/$OUT/nginx;
  uwsgi_temp_path $PWD/$OUT/nginx; scgi_temp_path $PWD/$OUT/nginx;
  server { listen $NGX; root $PWD/$OUT; location / { index index.html; } }
}
NGX
nginx -c "$PWD/$OUT/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 1 50); do curl -sf "http://$NGX/" >/dev/null 2>&1 && break; sleep 0.1; done
cmp -s <(curl -s "http://$NGX/") "$OUT/index.html" || { echo "nginx does not serve the same bytes" >&2; exit 1; }

run_wrk() { # name url pids… ; prints "rps p50 p99 cpu_us_per_req"
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d2s -H "Host: $HOST" "$url" >/dev/null 2>&1   # warm-up
  local before; before=$(cpu_ticks "$@")
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Host: $HOST" "$url" > "$OUT/wrk-$name.txt"
  local after; after=$(cpu_ticks "$@")
  python3 - "$OUT/wrk-$name.txt" "$before" "$after" "$HZ" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
reqs = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def lat(p):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, text)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {lat(50):.3f} {lat(99):.3f} {cpu / reqs * 1e6:.1f} {errors.group(1) if errors else 0}")
PY
}
NGINX_PIDS=$(pgrep -f "nginx -c $PWD/$OUT/nginx/nginx.conf" | tr '\n' ' '; pgrep -P "$NGINX_PID" | tr '\n' ' ')
hits0=$(metric zhanqun_page_cache_hits_total)
: > "$OUT/rounds.txt"
for r in $(seq 1 "$ROUNDS"); do
  echo "zhanqun $r $(run_wrk zhanqun-$r "http://$PUB/" $ZQ)" >> "$OUT/rounds.txt"
  echo "nginx $r $(run_wrk nginx-$r "http://$NGX/" $NGINX_PIDS)" >> "$OUT/rounds.txt"
done
hits1=$(metric zhanqun_page_cache_hits_total)
median() { grep "^$1 " "$OUT/rounds.txt" | sort -k3 -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $3, $4, $5, $6, $7}'; }
read -r ZQ_RPS ZQ_P50 ZQ_P99 ZQ_CPU ZQ_ERR <<<"$(median zhanqun)"
read -r NG_RPS NG_P50 NG_P99 NG_CPU NG_ERR <<<"$(median nginx)"
RATIO=$(python3 -c "print(f'{$ZQ_RPS/$NG_RPS:.2f}')")
CPU_RATIO=$(python3 -c "print(f'{$ZQ_CPU/$NG_CPU:.2f}')")
ROUND_ROWS=$(awk '{printf "| %s | %s | %s | %s ms | %s ms | %s µs |\n", $2, $1, $3, $4, $5, $6}' "$OUT/rounds.txt" | sort -n -k2)
RSS=$(awk '/VmRSS/ {print $2}' /proc/$ZQ/status)

MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
DATE=$(date -u +%Y-%m-%d)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# Keep the sections the other benchmark scripts wrote (reprint.sh, visits.sh).
REPRINT=$(sed -n '/^<!-- section: /,$p' docs/BENCHMARKS.md 2>/dev/null || true)
cat > docs/BENCHMARKS.md <<MD
# Benchmarks

Measured by \`tests/bench/run.sh\`, which anyone can rerun. It writes this file. Performance is
measured here and never asserted in unit tests.

- **Date:** $DATE (commit $COMMIT)
- **Machine:** $MACHINE
- **Tools:** $(wrk -v 2>&1 | head -1 | awk '{print "wrk", $2}'), $(nginx -v 2>&1 | sed 's#nginx version: ##'), release build of zhanqun on SQLite with the demo province ($("$BIN" --data-dir "$OUT/data" sites list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') sites, about 40 articles each)
- **Load:** wrk, ${THREADS} threads, ${CONNS} connections, ${DURATION} s per run after a 2 s warm-up, ${ROUNDS} rounds alternating the two servers, on the same machine as the servers. The two cores are shared by wrk and the server under test.

## Cached page: zhanqun against nginx, same bytes, same run

The page is the home page of 佳县 (\`$HOST\`, $BYTES bytes). nginx serves the byte-identical file
from disk (sendfile, access log off, \`worker_processes auto\`). No compression is requested, so
both send the same bytes.

| server | requests/s | p50 latency | p99 latency | server CPU per request | non-2xx |
|---|---:|---:|---:|---:|---:|
| zhanqun | $ZQ_RPS | $ZQ_P50 ms | $ZQ_P99 ms | $ZQ_CPU µs | $ZQ_ERR |
| nginx | $NG_RPS | $NG_P50 ms | $NG_P99 ms | $NG_CPU µs | $NG_ERR |
| **ratio zhanqun / nginx** | **$RATIO** | | | **$CPU_RATIO** | |

Median of $ROUNDS alternating rounds. Every round:

| round | server | requests/s | p50 | p99 | CPU per request |
|---:|---|---:|---:|---:|---:|
$ROUND_ROWS

During the zhanqun run, the page cache counted $(python3 -c "print(int($hits1 - $hits0))") hits. The server's resident memory
after the run was $((RSS / 1024)) MiB. Server CPU per request is the utime+stime of the server
processes during the run (from \`/proc/<pid>/stat\`), divided by the requests completed.

## Uncached render time (cache misses)

These are the server's own \`zhanqun_render_duration_seconds\` histograms: time from cache miss to
rendered page, including the store queries (SQLite). Each page was requested once on a fresh server.

| page | pages rendered | mean render time |
|---|---:|---:|
| home (every site's home page) | $HOME_N | $HOME_MS ms |
| column list (every site's news list, page 1) | $LIST_N | $LIST_MS ms |
| article (every article of 佳县) | $ART_N | $ART_MS ms |

Raw wrk output: \`tests/bench/out/wrk-*.txt\` (not committed). With wrk on the same two cores,
and on a shared virtual machine, variance between runs is large: a whole run of the same build
varied by up to 40 % here. Compare the ratio within one run, not absolute figures across runs.
MD
[ -n "$REPRINT" ] && printf '\n%s\n' "$REPRINT" >> docs/BENCHMARKS.md
echo "zhanqun ${ZQ_RPS} req/s vs nginx ${NG_RPS} req/s (ratio $RATIO); p99 ${ZQ_P99} vs ${NG_P99} ms; CPU/req ${ZQ_CPU} vs ${NG_CPU} us"
echo "render: home ${HOME_MS} ms (n=$HOME_N), list ${LIST_MS} ms (n=$LIST_N), article ${ART_MS} ms (n=$ART_N)"
