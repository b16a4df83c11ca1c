// Runs axe-core's WCAG 2.1 A and AA rules on public pages in headless Chromium and prints every
// violation; exits 1 when there is any. Usage: node axe.mjs <public base> <url path>...
// Pages are asked for with the site's host mapped to the local listener, in desktop, phone and
// 适老化 (#elder) form; a path may carry "POST:" to submit the letter form empty (its error page),
// or "SEND:" to write a letter as a person does (the human check answered, after the time a
// person takes) and check the page that gives its 查询码, then the 查询码 looked up.
// A page the server answers with 5xx fails too.
import puppeteer from "puppeteer-core";
import { createRequire } from "module";
import fs from "fs";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [base, ...paths] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});
let failures = 0;
// Two pages at once (A11Y_PAGES_AT_ONCE): a page's load and axe's run are each one renderer
// thread, and one at a time left a core of this machine idle. Each page's lines are printed
// together when it is done.
const AT_ONCE = Math.max(1, Number.parseInt(process.env.A11Y_PAGES_AT_ONCE ?? "2", 10) || 2);

// axe on what `page` shows, its lines added to `out`; `resp` is the answer it came with (a 5xx
// fails too).
async function check(page, resp, label, raw, out) {
  // An accessible error page is still an error: a page that failed on the server fails here.
  if (resp && resp.status() >= 500) {
    failures++;
    out.push(`FAIL ${label.padEnd(7)} ${raw}: the server answered ${resp.status()}`);
  }
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const v = result.violations;
  out.push(`${v.length === 0 ? "ok  " : "FAIL"} ${label.padEnd(7)} ${raw} (${result.passes.length} rules passed)`);
  for (const x of v) {
    failures++;
    out.push(`     ${x.id} [${x.impact}] ${x.help}`);
    for (const n of x.nodes.slice(0, 3)) out.push(`       ${n.target.join(" ")}: ${n.failureSummary.split("\n").slice(1, 2).join("")}`);
  }
}

const MODES = [["desktop", 1366, ""], ["phone", 390, ""], ["elder", 1366, "#elder"]];
const jobs = paths.flatMap((raw) => MODES.map(([label, width, suffix]) => ({ raw, label, width, suffix })));

// One path in one form: load it (and, for POST: and SEND:, submit its form), then check it. Each
// in a browser context of its own: a page opened with #elder keeps 适老化 on in the site's
// localStorage, which would otherwise turn it on for the desktop and phone checks after it.
async function runJob({ raw, label, width, suffix }, out) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  try {
    await page.setViewport({ width, height: 900 });
    await page.setBypassCSP(true); // axe is injected as an inline script; the pages forbid those
    const url = base + raw.replace(/^(POST|SEND):/, "") + suffix;
    let resp = await page.goto(url, { waitUntil: "load" });
    if (raw.startsWith("SEND:")) {
      const q = await page.$eval("label[for=answer]", (l) => l.textContent);
      const d = "零一二三四五六七八九";
      const m = q.match(/(.)加(.)等于几/);
      await page.type("#subject", "咨询营业执照变更登记需要的材料");
      await page.type("#body", "我在本县开了一家小超市，现在要变更经营地址，请问需要准备哪些材料？");
      await page.type("#name", "陈晓峰");
      await page.type("#phone", "13912345678");
      await page.type("#answer", String(d.indexOf(m[1]) + d.indexOf(m[2])));
      await new Promise((r) => setTimeout(r, 3500));
      [resp] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.evaluate(() => document.querySelector("form.letterform:not(.compact)").submit())]);
      await check(page, resp, label, raw + " (sent)", out);
      const code = await page.$eval(".code", (e) => e.textContent.trim()).catch(() => null);
      if (!code) {
        failures++;
        out.push(`FAIL ${label.padEnd(7)} ${raw}: no 查询码 on the answer: ${await page.$eval("main", (e) => e.innerText.slice(0, 300))}`);
        return;
      }
      resp = await page.goto(base + "/hudong/chaxun" + suffix, { waitUntil: "load" });
      await page.type("#code", code);
      [resp] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.evaluate(() => document.querySelector("form.letterform").submit())]);
      await check(page, resp, label, "/hudong/chaxun (the letter looked up)", out);
      return;
    }
    if (raw.startsWith("POST:")) {
      // Submit the form as it is (the browser's own checks off): the page of messages.
      await page.evaluate(() => { const f = document.querySelector("form.letterform:not(.compact)") || document.querySelector("form.letterform"); f.noValidate = true; f.submit(); });
      resp = await page.waitForNavigation({ waitUntil: "load" });
    }
    await check(page, resp, label, raw, out);
  } finally {
    // A crashed page must not hide the error that ends the run.
    await context.close().catch(() => {});
  }
}

// AT_ONCE workers take the jobs in order; a job that throws (a page that did not load) fails
// the run with its error, as before.
const total = jobs.length;
let done = 0;
await Promise.all(Array.from({ length: AT_ONCE }, async () => {
  for (let job; (job = jobs.shift()); ) {
    const out = [];
    try {
      await runJob(job, out);
      done++;
    } finally {
      if (out.length) console.log(out.join("\n"));
    }
  }
}));
if (done !== total) {
  failures++;
  console.log(`FAIL only ${done} of ${total} checks ran`);
}
await browser.close();
process.exit(failures ? 1 : 0);
