"""Form tickets for sqlmap (tests/sqlmap.sh).

Every public form of zhanqun carries a sealed ticket (CSRF, the human check's question, submit
once) that must be at least MIN_FILL_SECONDS old when it comes back. sqlmap cannot read a
question or wait, so this small local server keeps, for each form it is asked about, a pool of
fresh tickets fetched from the form page itself and hands out one aged ticket and the answer to
its question per request: `GET /?host=<site host>&path=<form path>` answers "ticket\\nanswer\\n".
sqlmap's --eval fetches one before each of its requests.

    python3 tests/sqlmap/tickets.py <listen port> <public base URL>
"""

import collections
import html
import http.server
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

DIGITS = "零一二三四五六七八九"
AGE = 4.2  # seconds: MIN_FILL_SECONDS (3) plus the ticket's whole-second rounding
POOL = 400

base = sys.argv[2].rstrip("/")
pools = {}
lock = threading.Lock()


def fetch_ticket(host, path):
    req = urllib.request.Request(base + path, headers={"Host": host})
    with urllib.request.urlopen(req, timeout=10) as r:
        page = r.read().decode("utf-8", "replace")
    ticket = re.search(r'name="ticket" value="([^"]+)"', page)
    question = re.search(r"([一二三四五六七八九])加([一二三四五六七八九])等于几", page)
    if not ticket or not question:
        raise RuntimeError(f"no ticket or question on {host}{path}")
    answer = DIGITS.index(question.group(1)) + DIGITS.index(question.group(2))
    return html.unescape(ticket.group(1)), str(answer)


def fill(key):
    host, path = key
    pool, cond = pools[key]
    while True:
        with cond:
            while len(pool) >= POOL:
                cond.wait()
        try:
            t, a = fetch_ticket(host, path)
        except Exception as e:  # the server may be busy under sqlmap: try again
            print(f"tickets: {e}", file=sys.stderr)
            time.sleep(0.5)
            continue
        with cond:
            pool.append((time.monotonic(), t, a))
            cond.notify_all()


def take(host, path):
    key = (host, path)
    with lock:
        if key not in pools:
            pools[key] = (collections.deque(), threading.Condition())
            threading.Thread(target=fill, args=(key,), daemon=True).start()
    pool, cond = pools[key]
    with cond:
        while not pool:
            cond.wait()
        got, t, a = pool.popleft()
        cond.notify_all()
    wait = AGE - (time.monotonic() - got)
    if wait > 0:
        time.sleep(wait)
    return t, a


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        t, a = take(q["host"][0], q["path"][0])
        body = f"{t}\n{a}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
