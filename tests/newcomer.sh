#!/usr/bin/env bash
# The newcomer's path, checked as a newcomer takes it: the README's run command (the first `sh`
# block under "## Run it", read from the README, never copied here) is run verbatim from an empty
# directory inside the checkout, so that it starts from an empty data directory. It must:
#   - build and start, and serve 佳县 at http://6108280001.localhost:8080/,
#   - serve the console's login page on 8081,
#   - print the demo accounts with their passwords,
#   - stop with exit code 0 on SIGTERM.
# A README edit that breaks the command, or code that breaks what it promises, fails this script.
# Usage: tests/newcomer.sh [README]   (CI runs it from .ci/run; the ports must be free)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
readme=${1:-$root/README.md}

cmd=$(python3 - "$readme" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = re.search(r"^## Run it\n(.*?)(?=^## )", text, re.S | re.M)
block = section and re.search(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
if not block:
    sys.exit("README: no ```sh block under '## Run it'")
lines = [l for l in block.group(1).splitlines() if l.strip()]
if len(lines) != 1:
    sys.exit(f"README: the run command should be one line, found {len(lines)}")
print(lines[0])
EOF
)
echo "README run command: $cmd"

for port in 8080 8081; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken: stop what listens there first" >&2; exit 1
  fi
done

mkdir -p "$root/target"
work=$(mktemp -d "$root/target/newcomer.XXXXXX")
log="$work/run.log"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "newcomer check failed: $*" >&2
  echo "--- last lines of the run command's output ---" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

cd "$work"
# The command runs as the README writes it, in its own shell, from the empty directory.
bash -c "$cmd" >"$log" 2>&1 </dev/null &
pid=$!

# Building takes minutes on a fresh clone; the wait ends as soon as the command exits.
home=
for _ in $(seq 1 3600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" && rc=0 || rc=$?
    pid=
    fail "the run command exited ($rc) before serving"
  fi
  if home=$(curl -sf --max-time 5 http://6108280001.localhost:8080/ 2>/dev/null); then break; fi
  sleep 1
done
[ -n "$home" ] || fail "http://6108280001.localhost:8080/ did not answer within an hour"
grep -q "佳县" <<<"$home" || fail "the home page of 6108280001.localhost does not show 佳县"
echo "ok: http://6108280001.localhost:8080/ shows 佳县"

login=$(curl -sf --max-time 5 http://127.0.0.1:8081/login) || fail "the console on 8081 did not answer /login"
grep -q 'name="password"' <<<"$login" || fail "the console's /login has no password field"
echo "ok: the console on 8081 answers its login page"

for user in jx-admin jx-yjj jx-fgw jx-reviewer jx-signer sx-auditor sx-office sx-reviewer sysadmin secadmin auditadmin; do
  grep -Eq "^[[:space:]]*$user[[:space:]]+[^[:space:]]{12,}" "$log" \
    || fail "the demo account $user was not printed with a password"
done
echo "ok: the demo accounts were printed with their passwords"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM ended the server with exit code $rc, not 0"
echo "ok: SIGTERM stopped the server with exit code 0"
echo "newcomer check passed"
