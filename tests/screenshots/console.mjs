// Screenshots of the console in headless Chromium (puppeteer-core drives the Debian chromium):
// login, TOTP enrolment, my work, the editor, the review queue, an article under review, the
// sites page, accounts and grants, the audit log, reprint, statistics, submissions and 留言办理. Logs in as the demo
// accounts whose passwords `zhanqun serve` printed, enrolling TOTP as an authenticator app would.
// Every page shot is also checked with axe-core's WCAG 2.1 A and AA rules (the console's pages,
// the letter form's answers and a service item as printed); any violation is printed and the
// script exits 1 once every shot is taken.
// Usage: node console.mjs <manage base URL> <out dir> <accounts file: "name password" lines>
import puppeteer from "puppeteer-core";
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const axeFailures = [];

// axe on what the page shows now; `path` names the shot.
async function audit(page, path) {
  const name = path.split("/").pop();
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  console.log(`${result.violations.length ? "FAIL" : "ok  "} axe ${name} (${result.passes.length} rules passed)`);
  for (const v of result.violations) {
    axeFailures.push(`${name}: ${v.id}`);
    console.log(`     ${v.id} [${v.impact}] ${v.help}`);
    for (const n of v.nodes.slice(0, 3)) console.log(`       ${n.target.join(" ")}: ${n.failureSummary.split("\n").slice(1, 2).join("")}`);
  }
}

// Every screenshot of `page` is followed by axe on the same view (inline scripts are allowed
// for axe only: the pages' own CSP forbids them).
async function audited(page) {
  await page.setBypassCSP(true);
  const shoot = page.screenshot.bind(page);
  page.screenshot = async (o) => {
    const r = await shoot(o);
    await audit(page, o.path);
    return r;
  };
  return page;
}

const [base, out, accountsFile, publicBase] = process.argv.slice(2);
const passwords = Object.fromEntries(
  fs.readFileSync(accountsFile, "utf8").trim().split("\n").map((l) => l.trim().split(/\s+/)));

function totp(secret, t = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
  const h = crypto.createHmac("sha1", key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});
const secrets = {};

async function login(name, shot) {
  const ctx = await browser.createBrowserContext();
  const page = await audited(await ctx.newPage());
  await page.setViewport({ width: 1280, height: 860 });
  await page.goto(`${base}/login`);
  if (shot) await page.screenshot({ path: `${out}/console-login.png` });
  await page.type("input[name=username]", name);
  await page.type("input[name=password]", passwords[name]);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (page.url().endsWith("/login/enrol")) {
    if (shot) await page.screenshot({ path: `${out}/console-totp-enrol.png` });
    secrets[name] = await page.$eval("code", (e) => e.textContent.trim());
    await page.type("input[name=code]", totp(secrets[name]));
    await Promise.all([page.waitForNavigation(), page.click("form[action='/login/enrol'] button")]);
  }
  return page;
}

async function newArticle(page, columnName, title, html, submit) {
  await page.goto(`${base}/sites`);
  const href = await page.$$eval("table.list tr", (rows, name) => {
    for (const r of rows) if (r.cells[0] && r.cells[0].textContent.trim() === name) {
      const a = r.querySelector("a[href$='/new']"); if (a) return a.getAttribute("href");
    }
    return null;
  }, columnName);
  await page.goto(base + href);
  await page.type("input[name=title]", title);
  await page.evaluate((h) => { document.querySelector(".surface").innerHTML = h; }, html);
  await Promise.all([page.waitForNavigation(), page.click(".editor-form button.primary")]);
  if (submit) {
    await page.click("input[name=secrecy_confirmed]");
    await Promise.all([page.waitForNavigation(), page.click("form.inline button.primary")]);
  }
  return page.url();
}

const yjj = await login("jx-yjj", true);
await newArticle(yjj, "部门动态", "县应急管理局开展冬季森林防火专项检查",
  "<p>11月20日，县应急管理局组织对全县重点林区开展冬季森林防火专项检查。</p><h2>一、检查范围</h2><p>白云山、香炉寺周边林区。</p>", true);
await newArticle(yjj, "部门动态", "县应急管理局召开安全生产形势分析会",
  "<p>会议通报了前三季度安全生产形势。</p>", false);
// The editor, filled in.
await yjj.goto(`${base}/sites`);
const newHref = await yjj.$$eval("a[href$='/new']", (as) => as[0].getAttribute("href"));
await yjj.goto(base + newHref);
await yjj.type("input[name=title]", "关于做好2026年冬春季安全生产工作的通知");
await yjj.type("input[name=author]", "县应急管理局");
await yjj.evaluate(() => {
  document.querySelector(".surface").innerHTML =
    "<p>各乡镇人民政府，县直各部门：</p><h2>一、总体要求</h2><p>坚持人民至上、生命至上，全面排查整治各类风险隐患。</p>" +
    "<table><tbody><tr><th>重点领域</th><th>牵头单位</th></tr><tr><td>道路交通</td><td>县公安局</td></tr><tr><td>森林防火</td><td>县应急管理局</td></tr></tbody></table>";
});
await yjj.screenshot({ path: `${out}/console-editor.png`, fullPage: true });
await yjj.goto(`${base}/`);
await yjj.screenshot({ path: `${out}/console-my-work.png`, fullPage: true });

const reviewer = await login("jx-reviewer", false);
await reviewer.goto(`${base}/review`);
await reviewer.screenshot({ path: `${out}/console-review-queue.png`, fullPage: true });
const first = await reviewer.$eval("table.list a", (a) => a.getAttribute("href"));
await reviewer.goto(base + first);
await reviewer.screenshot({ path: `${out}/console-article-review.png`, fullPage: true });
await yjj.goto(`${base}/sites`);
await yjj.screenshot({ path: `${out}/console-sites.png`, fullPage: true });
// Search within the editor's grants (部门动态 of 佳县): their draft by title, published articles by text.
await yjj.goto(`${base}/search?q=${encodeURIComponent("安全")}`);
await yjj.screenshot({ path: `${out}/console-search.png`, fullPage: true });

const sec = await login("secadmin", false);
await sec.goto(`${base}/accounts`);
await sec.screenshot({ path: `${out}/console-accounts.png`, fullPage: true });
const aud = await login("auditadmin", false);
await aud.goto(`${base}/audit`);
await aud.screenshot({ path: `${out}/console-audit.png` });

// Reprint (the server runs with --dev-feed, the stand-in State Council feed) and submissions.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const office = await login("sx-office", false);
for (let i = 0; i < 60; i++) {
  await office.goto(`${base}/reprint`);
  if (await office.$("td .s-published")) break;
  await sleep(1000);
}
await office.screenshot({ path: `${out}/console-reprint-sources.png`, fullPage: true });
const jxAdmin = await login("jx-admin", false);
await jxAdmin.goto(`${base}/reprint`);
const siteHref = await jxAdmin.$eval("a[href^='/reprint/sites/']", (a) => a.getAttribute("href"));
await jxAdmin.goto(base + siteHref);
await jxAdmin.screenshot({ path: `${out}/console-reprint-site.png`, fullPage: true });
const auditor = await login("sx-auditor", false);
await auditor.goto(`${base}/reprint/board`);
await auditor.screenshot({ path: `${out}/console-reprint-board.png` });
await auditor.goto(`${base}/stats/checks`);
await auditor.screenshot({ path: `${out}/console-checks.png` });
// Statistics: the province overview and 佳县's drill-down (auditor), a column, and the annual
// report that 佳县's site administrator publishes to its disclosure column.
await auditor.goto(`${base}/stats`);
await auditor.screenshot({ path: `${out}/console-stats-overview.png`, fullPage: true });
// The overview lists 50 sites a page: look for 佳县 page by page.
let jxStats;
for (let p = 1; !jxStats && p <= 10; p++) {
  await auditor.goto(`${base}/stats?page=${p}`);
  jxStats = await auditor.$$eval("table.list a[href^='/stats/sites/']", (as) => {
    for (const a of as) if (a.textContent.trim() === "佳县人民政府") return a.getAttribute("href");
  });
}
await auditor.goto(base + jxStats);
await auditor.screenshot({ path: `${out}/console-stats-site.png`, fullPage: true });
const colStats = await auditor.$$eval("table.list a[href*='/columns/']", (as) => {
  for (const a of as) if (a.textContent.trim() === "政务要闻") return a.getAttribute("href");
});
await auditor.goto(base + colStats);
await auditor.screenshot({ path: `${out}/console-stats-column.png`, fullPage: true });
const jxId = jxStats.split("/")[3].split("?")[0];
await jxAdmin.goto(`${base}/stats/sites/${jxId}/report`);
await jxAdmin.screenshot({ path: `${out}/console-annual-report.png`, fullPage: true });
await Promise.all([jxAdmin.waitForNavigation(), jxAdmin.click("form[action$='/report/publish'] button")]);
await auditor.goto(`${base}/stats/reports`);
await auditor.screenshot({ path: `${out}/console-annual-reports.png`, fullPage: true });

// 张敏 (县应急管理局) submits two published 部门动态 articles to the province portal.
await yjj.goto(`${base}/sites`);
const colHref = await yjj.$$eval("table.list tr", (rows) => {
  for (const r of rows) if (r.cells[0] && r.cells[0].textContent.trim() === "部门动态") {
    const a = r.querySelector("a[href^='/columns/']"); if (a) return a.getAttribute("href");
  }
  return null;
});
await yjj.goto(`${base}${colHref}?status=published`);
const arts = await yjj.$$eval("table.list a[href^='/articles/']", (as) => as.slice(0, 2).map((a) => a.getAttribute("href")));
for (const [i, href] of arts.entries()) {
  await yjj.goto(base + href);
  const to = await yjj.$$eval("select[name=to] option", (os) => os.find((o) => o.textContent.includes("陕西省人民政府")).value);
  await yjj.select("select[name=to]", to);
  if (i === 0) await yjj.type("input[name=note]", "县应急管理局冬季安全工作，建议省政府网站采用");
  await Promise.all([yjj.waitForNavigation(), yjj.click("form[action$='/submit-to'] button")]);
}
const sxReviewer = await login("sx-reviewer", false);
const office2 = sxReviewer;
await office2.goto(`${base}/submissions`);
await office2.screenshot({ path: `${out}/console-submissions-inbox.png`, fullPage: true });
// Adopt the first into 部门动态, decline the second with a reason.
const bmdt = await office2.$$eval("form[action$='/adopt'] select[name=column] option", (os) => (os.find((o) => o.textContent.includes("部门动态")) || os[0]).value);
await office2.select("form[action$='/adopt'] select[name=column]", bmdt);
await Promise.all([office2.waitForNavigation(), office2.click("form[action$='/adopt'] button")]);
await office2.evaluate(() => { const d = document.querySelector("details"); if (d) d.open = true; });
await office2.type("form[action$='/decline'] input[name=reason]", "内容为县级日常工作动态，请改报市政府网站");
await Promise.all([office2.waitForNavigation(), office2.click("form[action$='/decline'] button")]);
await yjj.goto(`${base}/submissions`);
await yjj.screenshot({ path: `${out}/console-submissions-mine.png`, fullPage: true });

// 留言办理: 佳县's office sees its letters (the demo's, masked), opens the one drafted by the
// office, views the writer's data (audited) and approves the reply; 张敏's unit has its own.
await jxAdmin.goto(`${base}/letters`);
const lettersHref = await jxAdmin.$eval("a[href^='/sites/'][href$='/letters']", (a) => a.getAttribute("href"));
await jxAdmin.goto(`${base}${lettersHref}?show=all`);
await jxAdmin.screenshot({ path: `${out}/console-letters-site.png`, fullPage: true });
const drafted = await jxAdmin.$$eval("table.list tr", (rows) => {
  for (const r of rows) if (r.textContent.includes("待审核")) return r.querySelector("a[href^='/letters/']").getAttribute("href");
});
await jxAdmin.goto(base + drafted);
await Promise.all([jxAdmin.waitForNavigation(), jxAdmin.click("form[action$='/personal'] button")]);
await jxAdmin.screenshot({ path: `${out}/console-letter.png`, fullPage: true });
await Promise.all([jxAdmin.waitForNavigation(), jxAdmin.click("form[action$='/step'] button")]);
await yjj.goto(`${base}/letters`);
await yjj.screenshot({ path: `${out}/console-letters-unit.png`, fullPage: true });
// 留言统计 per unit of 佳县, and the closed survey's results with the texts (the office's view).
const siteId = lettersHref.split("/")[2];
await jxAdmin.goto(`${base}/stats/letters?site=${siteId}`);
await jxAdmin.screenshot({ path: `${out}/console-letter-stats.png`, fullPage: true });
await jxAdmin.goto(`${base}/sites/${siteId}/surveys`);
const surveyHref = await jxAdmin.$eval("table.list a[href^='/surveys/']", (a) => a.getAttribute("href"));
await jxAdmin.goto(base + surveyHref);
await jxAdmin.screenshot({ path: `${out}/console-survey-results.png`, fullPage: true });

// 办事服务, 依申请公开, 在线办理 and 数据开放 in the console: 佳县's 依申请公开 list, one application
// and the year's table; the online applications; a service item's guide editor and a data set's.
await jxAdmin.goto(`${base}/sites/${siteId}/ysqgk`);
await jxAdmin.screenshot({ path: `${out}/console-ysqgk.png`, fullPage: true });
const reqHref = await jxAdmin.$eval("table.list a[href^='/ysqgk/']", (a) => a.getAttribute("href"));
await jxAdmin.goto(base + reqHref);
await jxAdmin.screenshot({ path: `${out}/console-ysqgk-request.png`, fullPage: true });
await jxAdmin.goto(`${base}/sites/${siteId}/ysqgk/report`);
await jxAdmin.screenshot({ path: `${out}/console-ysqgk-report.png`, fullPage: true });
await jxAdmin.goto(`${base}/sites/${siteId}/applications`);
await jxAdmin.screenshot({ path: `${out}/console-applications.png`, fullPage: true });
// 预约办理: the slots of 生育登记 (the demo opens some, and one application booked one).
const slotsHref = await jxAdmin.$$eval("li", (items) => {
  for (const li of items) if (li.textContent.includes("生育登记")) return li.querySelector("a[href$='/slots']").getAttribute("href");
});
await jxAdmin.goto(base + slotsHref);
await jxAdmin.screenshot({ path: `${out}/console-appointment-slots.png`, fullPage: true });
await jxAdmin.goto(`${base}/stats/applications?site=${siteId}`);
await jxAdmin.screenshot({ path: `${out}/console-application-stats.png`, fullPage: true });
// 在线访谈: an interview's questions as the office moderates them.
await jxAdmin.goto(`${base}/sites/${siteId}/interviews`);
// The oldest, ended one: its page offers the transcript as a draft.
const interviewHref = await jxAdmin.$$eval("a[href^='/interviews/']", (as) => as[as.length - 1].getAttribute("href"));
await jxAdmin.goto(base + interviewHref);
await jxAdmin.screenshot({ path: `${out}/console-interview.png`, fullPage: true });
await jxAdmin.goto(`${base}/sites`);
const bszn = await jxAdmin.$$eval("tr", (rows) => {
  for (const r of rows) if (r.textContent.includes("办事指南")) return r.querySelector("a[href^='/columns/']").getAttribute("href");
});
await jxAdmin.goto(`${base}${bszn}/new-service`);
await jxAdmin.screenshot({ path: `${out}/console-service-editor.png`, fullPage: true });
await jxAdmin.goto(`${base}${bszn}/new-dataset`);
await jxAdmin.screenshot({ path: `${out}/console-dataset-editor.png`, fullPage: true });

// The public letter form as a writer fills it in: a mistake first (the form comes back with the
// message and what was typed), then the letter sent and its 查询码.
if (publicBase) {
  const w = await audited(await (await browser.createBrowserContext()).newPage());
  await w.setViewport({ width: 1366, height: 900 });
  const fill = async (phone) => {
    await w.goto(`${publicBase}/hudong/xiexin?kind=consultation`);
    const q = await w.$eval("label[for=answer]", (l) => l.textContent);
    const d = "零一二三四五六七八九";
    const m = q.match(/(.)加(.)等于几/);
    await w.type("#subject", "咨询营业执照变更登记需要的材料");
    await w.type("#body", "我在佳县开了一家小超市，现在要变更经营地址，请问需要准备哪些材料，能否在网上办理？");
    await w.type("#name", "陈晓峰");
    await w.type("#phone", phone);
    await w.click("input[name=public]");
    await w.type("#answer", String(d.indexOf(m[1]) + d.indexOf(m[2])));
    await sleep(3500);
    await Promise.all([w.waitForNavigation(), w.click("form[action='/hudong/xiexin'] button[type=submit]")]);
  };
  await fill("1391234");
  await w.screenshot({ path: `${out}/letter-form-error.png`, fullPage: true });
  await fill("13912345678");
  await w.screenshot({ path: `${out}/letter-sent.png`, fullPage: true });
  // A service item's guide as printed (print styles), from the catalogue's first item.
  await w.goto(`${publicBase}/banshi/`);
  const item = await w.$eval("table.services a[href^='/art/']", (a) => a.getAttribute("href"));
  await w.goto(publicBase + item);
  await w.emulateMediaType("print");
  await w.setViewport({ width: 800, height: 1100 });
  await w.screenshot({ path: `${out}/service-item-print.png`, fullPage: true });
  await w.emulateMediaType("screen");
}
await browser.close();
if (axeFailures.length) {
  console.log(`axe: ${axeFailures.length} violation(s): ${axeFailures.join(", ")}`);
  process.exit(1);
}
