#!/usr/bin/env bash
# Takes the screenshots in docs/screenshots/ with headless Chromium (Debian's chromium package):
# home, column list and article of 佳县 at desktop and phone widths and in 适老化 mode, plus the
# disclosure catalogue, a department site, search (a site, the province) and the 互动交流 pages; then the console (login, TOTP enrolment, my work,
# the editor, the review queue, an article under review, reprint sources, a site's subscriptions,
# the timeliness board, the submissions inbox) driven by puppeteer-core over the same
# chromium, logging in as the demo accounts the server printed; every console shot is also
# checked with axe-core (WCAG 2.1 AA), and the script fails on a violation. Look at them before
# calling a page done.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
# Without a CJK font Chinese renders as boxes (a machine may have chromium and not the font).
fc-list 2>/dev/null | grep -qi "CJK" || { [ "$(id -u)" = 0 ] && apt-get install -y -qq fonts-noto-cjk >/dev/null; }
OUT=docs/screenshots
DATA=$(mktemp -d)
PUB=127.0.0.1:18280
MAN=127.0.0.1:18281
FEED=127.0.0.1:18290
cargo build --release --quiet
cargo build --release --quiet -p zhanqun-tests --bin gov-feed
# The stand-in State Council feed, and the demo subscribed to it.
target/release/gov-feed $FEED > "$DATA/feed.log" 2>&1 &
FEED_PID=$!
target/release/zhanqun --data-dir "$DATA" serve --public-addr $PUB --manage-addr $MAN --dev-feed "http://$FEED/rss.xml" > "$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID $FEED_PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 600); do curl -sf "http://$MAN/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
H=6108280001.localhost
ART=$(curl -s -H "Host: $H" "http://$PUB/zwgk/zcwj/" | grep -o '/art/[0-9]*\.html' | sed -n 3p)
shot() { # name url width,height
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --host-resolver-rules="MAP *.localhost 127.0.0.1" --window-size="$3" --screenshot="$OUT/$1.png" "$2" >/dev/null 2>&1
  echo "$OUT/$1.png"
}
mkdir -p "$OUT"
P=${PUB##*:}
shot home-desktop "http://$H:$P/" 1366,1600
shot list-desktop "http://$H:$P/xwzx/zwyw/" 1366,1100
shot article-desktop "http://$H:$P$ART" 1366,1200
shot home-phone "http://$H:$P/" 390,1600
shot list-phone "http://$H:$P/xwzx/zwyw/" 390,1200
shot article-phone "http://$H:$P$ART" 390,1400
shot home-elder "http://$H:$P/#elder" 1366,1600
shot list-elder "http://$H:$P/xwzx/zwyw/#elder" 1366,1100
shot article-elder "http://$H:$P$ART#elder" 1366,1300
shot catalogue-desktop "http://$H:$P/xxgkml/" 1366,1100
shot department-home "http://6100000003.localhost:$P/" 1366,1100
shot not-found "http://$H:$P/no-such-page/" 1366,700
# Search: a county site, the province portal's province-wide scope, a phone.
Q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7 # 安全生产
for _ in $(seq 1 100); do curl -s -H "Host: $H" "http://$PUB/search?q=$Q" | grep -q '/art/' && break; sleep 0.2; done
shot search-site-desktop "http://$H:$P/search?q=$Q" 1366,1300
shot search-province-desktop "http://6100000001.localhost:$P/search?q=$Q&scope=all" 1366,1500
shot search-site-phone "http://$H:$P/search?q=$Q" 390,1400
# 互动交流: the channels and published replies, the letter form (desktop, phone, 适老化), a reply.
REPLY=$(curl -s -H "Host: $H" "http://$PUB/hudong/" | grep -o '/hudong/huifu/[0-9]*\.html' | sed -n 1p)
shot hudong-desktop "http://$H:$P/hudong/" 1366,1000
shot letter-form-desktop "http://$H:$P/hudong/xiexin?kind=consultation" 1366,1500
shot letter-form-phone "http://$H:$P/hudong/xiexin?kind=consultation" 390,2000
shot letter-form-elder "http://$H:$P/hudong/xiexin?kind=consultation#elder" 1366,1700
shot letter-reply-desktop "http://$H:$P$REPLY" 1366,1000
shot survey-results-desktop "http://$H:$P/hudong/zhengji/1.html" 1366,1100
shot survey-form-phone "http://$H:$P/hudong/zhengji/2.html" 390,1500
shot survey-form-desktop "http://$H:$P/hudong/zhengji/2.html" 1366,1300
shot survey-form-elder "http://$H:$P/hudong/zhengji/2.html#elder" 1366,1500
shot interview-transcript-desktop "http://$H:$P/hudong/fangtan/1.html" 1366,1200
# The interview still to come takes questions: its form at the three widths.
shot interview-form-desktop "http://$H:$P/hudong/fangtan/2.html" 1366,1300
shot interview-form-phone "http://$H:$P/hudong/fangtan/2.html" 390,1700
shot interview-form-elder "http://$H:$P/hudong/fangtan/2.html#elder" 1366,1400
shot faq-desktop "http://$H:$P/hudong/zhishiku/?q=%E5%8C%BB%E4%BF%9D" 1366,900
# 办事服务, 依申请公开, 在线办理 and 数据开放.
ITEM=$(curl -s -H "Host: $H" "http://$PUB/banshi/" | grep -o '/art/[0-9]*\.html' | sed -n 1p)
shot services-desktop "http://$H:$P/banshi/" 1366,1300
shot services-province-desktop "http://6100000001.localhost:$P/banshi/" 1366,1300
shot service-item-desktop "http://$H:$P$ITEM" 1366,2200
shot service-item-phone "http://$H:$P$ITEM" 390,3200
shot apply-form-desktop "http://$H:$P/banshi/shenqing/${ITEM//[^0-9]/}" 1366,1200
shot apply-form-elder "http://$H:$P/banshi/shenqing/${ITEM//[^0-9]/}#elder" 1366,1400
# The form of an item with appointment slots (the demo opens some for 生育登记).
for i in $(curl -s -H "Host: $H" "http://$PUB/banshi/" | grep -o '/art/[0-9]*\.html' | tr -dc '0-9\n'); do
  if curl -s -H "Host: $H" "http://$PUB/banshi/shenqing/$i" | grep -q 'name="slot"'; then
    shot apply-form-slots-phone "http://$H:$P/banshi/shenqing/$i" 390,2200
    break
  fi
done
shot apply-results-desktop "http://$H:$P/banshi/gongshi" 1366,800
shot apply-status-desktop "http://$H:$P/banshi/chaxun" 1366,800
shot ysqgk-form-desktop "http://$H:$P/ysqgk/" 1366,1600
shot ysqgk-form-phone "http://$H:$P/ysqgk/" 390,2600
shot ysqgk-form-elder "http://$H:$P/ysqgk/#elder" 1366,1800
shot datasets-desktop "http://$H:$P/data/" 1366,800
DATASET=$(curl -s -H "Host: $H" "http://$PUB/data/" | grep -o '/art/[0-9]*\.html' | sed -n 1p)
shot dataset-desktop "http://$H:$P$DATASET" 1366,1200

# The console: puppeteer-core (npm) drives the same chromium; the demo passwords come from the log.
command -v npm >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq npm >/dev/null; }
NODE_DIR=$(mktemp -d)
(cd "$NODE_DIR" && npm init -y >/dev/null 2>&1 && npm install --silent puppeteer-core@23 axe-core@4 >/dev/null 2>&1)
cp tests/screenshots/console.mjs "$NODE_DIR/"
grep -E '^  (jx|sx|sys|sec|audit)' "$DATA/log" | awk '{print $1, $2}' > "$DATA/accounts"
node "$NODE_DIR/console.mjs" "http://$MAN" "$OUT" "$DATA/accounts" "http://$H:$P"
rm -rf "$NODE_DIR"
ls "$OUT"/console-*.png
