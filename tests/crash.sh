#!/usr/bin/env bash
# The crash test on its own: `zhanqun serve` under publishing load (editor, reviewer and signer
# over HTTP) is killed with kill -9 twenty times at random moments; after each kill `zhanqun
# check` must pass, and at the end every publish answered 2xx must be on the public pages.
# (It also runs as part of tests/run.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p zhanqun --test ops -- --nocapture kill_9
