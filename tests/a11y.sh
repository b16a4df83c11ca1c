#!/usr/bin/env bash
# Accessibility: axe-core's WCAG 2.1 A and AA rules on the public pages of the demo province
# (a county portal, the province portal, a department site), each at desktop and phone width and
# in 适老化 mode, in headless Chromium (Debian's chromium; puppeteer-core and axe-core from npm).
# Covers the home page, a column list and its second page, an article, the disclosure catalogue,
# search, a 404, the 互动交流 pages (the channels, the letter form, the form sent empty with its
# messages, a letter written and sent with the page of its 查询码 and that code looked up, the
# 查询码 lookup and a published reply), and 办事服务, 在线办理, 依申请公开 and 数据开放
# (the catalogue, a service item, the application form and its errors — with appointment slots
# too —, 状态查询, 结果公示, the
# 依申请公开 form and its errors, the data sets and one of them). Exits 1 on any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
# Without a CJK font Chinese renders as boxes (a machine may have chromium and not the font).
fc-list 2>/dev/null | grep -qi "CJK" || { [ "$(id -u)" = 0 ] && apt-get install -y -qq fonts-noto-cjk >/dev/null; }
command -v npm >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq npm >/dev/null; }
DATA=$(mktemp -d)
NODE_DIR=$(mktemp -d)
PUB=127.0.0.1:18380
MAN=127.0.0.1:18381
(cd "$NODE_DIR" && npm init -y >/dev/null 2>&1 && npm install --silent puppeteer-core@23 axe-core@4 >/dev/null 2>&1) || {
  echo "a11y: npm could not install puppeteer-core and axe-core (no network?)" >&2; exit 1; }
cp tests/a11y/axe.mjs "$NODE_DIR/"
cargo build --quiet
target/debug/zhanqun --data-dir "$DATA" serve --public-addr $PUB --manage-addr $MAN > "$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA" "$NODE_DIR"' EXIT
for _ in $(seq 1 600); do curl -sf "http://$MAN/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
P=${PUB##*:}
H=6108280001.localhost
ART=$(curl -s -H "Host: $H" "http://$PUB/zwgk/zcwj/" | grep -o '/art/[0-9]*\.html' | sed -n 3p)
REPLY=$(curl -s -H "Host: $H" "http://$PUB/hudong/" | grep -o '/hudong/huifu/[0-9]*\.html' | sed -n 1p)
ITEM=$(curl -s -H "Host: $H" "http://$PUB/banshi/" | grep -o '/art/[0-9]*\.html' | sed -n 1p)
DATASET=$(curl -s -H "Host: $H" "http://$PUB/data/" | grep -o '/art/[0-9]*\.html' | sed -n 1p)
# A service item whose form offers appointment slots (the demo opens some for 生育登记).
SLOTITEM=$ITEM
for i in $(curl -s -H "Host: $H" "http://$PUB/banshi/" | grep -o '/art/[0-9]*\.html' | tr -dc '0-9\n'); do
  if curl -s -H "Host: $H" "http://$PUB/banshi/shenqing/$i" | grep -q 'name="slot"'; then SLOTITEM=$i; break; fi
done
Q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7 # 安全生产
status=0
node "$NODE_DIR/axe.mjs" "http://$H:$P" / /xwzx/zwyw/ "/xwzx/zwyw/?page=2" "$ART" /xxgkml/ "/search?q=$Q" /no-such-page/ \
  /hudong/ /hudong/xiexin "POST:/hudong/xiexin" "SEND:/hudong/xiexin?kind=consultation" /hudong/chaxun "$REPLY" /hudong/zhishiku/ \
  "/hudong/zhishiku/?q=%E5%8C%BB%E4%BF%9D" /hudong/zhengji/ /hudong/zhengji/1.html /hudong/zhengji/2.html \
  /hudong/fangtan/ /hudong/fangtan/1.html /hudong/fangtan/2.html \
  /banshi/ "$ITEM" "/banshi/shenqing/${ITEM//[^0-9]/}" "POST:/banshi/shenqing/${ITEM//[^0-9]/}" "/banshi/shenqing/${SLOTITEM//[^0-9]/}" "POST:/banshi/shenqing/${SLOTITEM//[^0-9]/}" /banshi/chaxun /banshi/gongshi \
  /ysqgk/ "POST:/ysqgk/" /ysqgk/chaxun /data/ "$DATASET" || status=1
node "$NODE_DIR/axe.mjs" "http://6100000001.localhost:$P" / /hudong/ "/search?q=$Q&scope=all" /banshi/ /data/ || status=1
node "$NODE_DIR/axe.mjs" "http://6100000003.localhost:$P" / /hudong/xiexin || status=1
exit $status
