// The admin extension in real Chromium (new headless mode, --load-extension) against
// scim2-server on 127.0.0.1, which sends no CORS headers: the extension page reaches it by its
// host permission. The test copy of the extension grants http://127.0.0.1/* at install
// (`host_permissions`), the documented pattern for tests: the shipped manifest only lists it
// among the `optional_host_permissions` that Connect requests, and a granted origin answers
// that request without a prompt. Every verdict reads the server directly.
//
//   node examples/browser-extension/test/extension.test.mjs
// Needs the extension built (build.sh), playwright-core (npm/node_modules) and Chromium
// (/usr/bin/chromium or $CHROMIUM). Prints one line per check, then `N passed, N failed`.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readAll, startScimServer } from "../../../npm/test/server.mjs";

const require = createRequire(new URL("../../../npm/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const source = fileURLToPath(new URL("../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "scim-extension-"));
const extension = join(work, "extension");
cpSync(source, extension, { recursive: true, filter: (p) => !p.includes(`${source}test`) });
const manifest = JSON.parse(readFileSync(join(extension, "manifest.json"), "utf8"));
manifest.host_permissions = ["http://127.0.0.1/*"];
writeFileSync(join(extension, "manifest.json"), JSON.stringify(manifest, null, 2));

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`}`);
}

const TOKEN = "extension-token-4f1c";
const server = await startScimServer(TOKEN);
const csv = [
  "userName,givenName,familyName,department,groups",
  "ana@example.com,Ana,Silva,R&D,Engineering;On-call",
  "bo@example.com,Bo,Li,R&D,Engineering",
  'cy@example.com,Cy,"O\'Hara",Sales,',
].join("\n");
writeFileSync(join(work, "people.csv"), csv + "\n");

// No CORS headers: a web page on another origin could not read this answer.
const probe = await fetch(`${server.url}/ServiceProviderConfig`, { headers: { Authorization: `Bearer ${TOKEN}`, Origin: "https://admin.example" } });
check("scim2-server sends no CORS headers", probe.ok && !probe.headers.has("access-control-allow-origin"));

const context = await chromium.launchPersistentContext(join(work, "profile"), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: false,
  args: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--disable-extensions-except=${extension}`,
    `--load-extension=${extension}`,
  ],
});
const deadline = setTimeout(() => {
  console.error("the extension test took more than 90 s");
  process.exit(1);
}, 90_000);
try {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: 20_000 }));
  const id = new URL(worker.url()).host;
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`chrome-extension://${id}/admin.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "true" || document.getElementById("error").textContent, null, { timeout: 20_000 });
  check("the page initialised the package", (await page.getAttribute("body", "data-ready")) === "true", [await page.textContent("#error"), ...errors]);

  await page.fill("#url", server.url);
  await page.fill("#token", TOKEN);
  await page.click("#connect button[type=submit]");
  await page.waitForFunction(() => document.getElementById("connection").textContent || document.getElementById("error").textContent);
  check("connected (the origin's permission granted)", (await page.textContent("#connection")).startsWith("Connected"), await page.textContent("#error"));

  const stored = await page.evaluate(async () => ({ local: await chrome.storage.local.get(null), session: await chrome.storage.session.get(null) }));
  check("the token is in chrome.storage.session only", stored.session.token === TOKEN && !JSON.stringify(stored.local).includes(TOKEN), stored);
  check("the token field was cleared", (await page.inputValue("#token")) === "");

  await page.setInputFiles("#file", join(work, "people.csv"));
  await page.click("#plan");
  await page.waitForFunction(() => document.getElementById("plan-status") || document.getElementById("error").textContent, null, { timeout: 30_000 });
  const planText = await page.textContent("#plan-view");
  check("the plan is shown: 3 users, 2 groups", /createUsers3/.test(planText) && /createGroups2/.test(planText), planText + (await page.textContent("#error")));
  check("planning wrote nothing", (await readAll(server, "Users")).length === 0);

  await page.click("#apply");
  await page.waitForFunction(() => document.getElementById("report-status") || document.getElementById("error").textContent, null, { timeout: 30_000 });
  const reportText = await page.textContent("#report-status").catch(() => "");
  check("the report says applied", reportText === "Status: applied", reportText + (await page.textContent("#error")));

  const users = await readAll(server, "Users");
  const names = users.map((u) => u.userName).sort();
  check("the server holds the three users", JSON.stringify(names) === JSON.stringify(["ana@example.com", "bo@example.com", "cy@example.com"]), names);
  const byId = new Map(users.map((u) => [u.id, u.userName]));
  const groups = Object.fromEntries((await readAll(server, "Groups")).map((g) => [g.displayName, (g.members ?? []).map((m) => byId.get(m.value)).sort()]).sort(([a], [b]) => a.localeCompare(b)));
  check("the groups and their members", JSON.stringify(groups) === JSON.stringify({ Engineering: ["ana@example.com", "bo@example.com"], "On-call": ["ana@example.com"] }), groups);

  // Planned again from the same file: nothing to change.
  await page.click("#plan");
  await page.waitForFunction(() => /Nothing to change/.test(document.getElementById("plan-status")?.textContent ?? "") || document.getElementById("error").textContent, null, { timeout: 30_000 });
  check("a second plan has nothing to change", /Nothing to change/.test(await page.textContent("#plan-view")), await page.textContent("#error"));
  // The same server by an origin the extension holds no permission for: CORS applies, and
  // the browser refuses the answer (what a web page gets).
  const pageErrors = [...errors];
  const port = new URL(server.url).port;
  const other = await page.evaluate(async ([port, token]) => {
    const granted = await chrome.permissions.contains({ origins: ["http://localhost/*"] });
    try {
      await fetch(`http://localhost:${port}/ServiceProviderConfig`, { headers: { Authorization: `Bearer ${token}` } });
      return { granted, fetched: true };
    } catch (e) {
      return { granted, fetched: false, error: String(e) };
    }
  }, [port, TOKEN]);
  check("without the host permission the fetch is refused", other.granted === false && other.fetched === false, other);
  check("no page error before the refused fetch", pageErrors.length === 0, pageErrors);
  check("the token is in no page text", !(await page.content()).includes(TOKEN));
} catch (error) {
  check("the run", false, String(error?.stack ?? error));
} finally {
  clearTimeout(deadline);
  await context.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
