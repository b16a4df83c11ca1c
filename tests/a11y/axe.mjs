// Runs axe-core's WCAG 2.1 A and AA rules on public pages in headless Chromium and prints every
// violation; exits 1 when there is any. Usage: node axe.mjs <public base> <url path>...
// Pages are asked for with the site's host mapped to the local listener, in desktop, phone and
// 适老化 (#elder) form; a path may carry "POST:" to submit the letter form empty (its error page).
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
for (const raw of paths) {
  for (const [label, width, suffix] of [["desktop", 1366, ""], ["phone", 390, ""], ["elder", 1366, "#elder"]]) {
    const page = await browser.newPage();
    await page.setViewport({ width, height: 900 });
    await page.setBypassCSP(true); // axe is injected as an inline script; the pages forbid those
    let url = base + raw.replace(/^POST:/, "") + suffix;
    let resp = await page.goto(url, { waitUntil: "load" });
    if (raw.startsWith("POST:")) {
      // Submit the form as it is (the browser's own checks off): the page of messages.
      await page.evaluate(() => { const f = document.querySelector("form.letterform:not(.compact)") || document.querySelector("form.letterform"); f.noValidate = true; f.submit(); });
      resp = await page.waitForNavigation({ waitUntil: "load" });
    }
    // An accessible error page is still an error: a page that failed on the server fails here.
    if (resp && resp.status() >= 500) {
      failures++;
      console.log(`FAIL ${label.padEnd(7)} ${raw}: the server answered ${resp.status()}`);
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () =>
      await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
    const v = result.violations;
    console.log(`${v.length === 0 ? "ok  " : "FAIL"} ${label.padEnd(7)} ${raw} (${result.passes.length} rules passed)`);
    for (const x of v) {
      failures++;
      console.log(`     ${x.id} [${x.impact}] ${x.help}`);
      for (const n of x.nodes.slice(0, 3)) console.log(`       ${n.target.join(" ")}: ${n.failureSummary.split("\n").slice(1, 2).join("")}`);
    }
    await page.close();
  }
}
await browser.close();
process.exit(failures ? 1 : 0);
