// Headless Chromium loads a page that imports the built package (the web entry, with an
// explicit init()) and plans against scim2-server, then runs the doctor, whose module is
// fetched only then. A small local server serves the page and the package and forwards
// /scim/* to scim2-server, so the page and the API share an origin.
import { createServer, request as httpRequest } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startScimServer } from "./server.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const scim = await startScimServer("browser-token");
const target = new URL(scim.url);
const site = createServer(async (req, res) => {
  if (req.url.startsWith("/scim/")) {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: req.url.slice("/scim".length), method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
    return;
  }
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, "http://x").pathname)));
  if (!path.startsWith(join(root, "npm"))) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => site.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${site.address().port}`;

let passed = 0;
let failed = 0;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/npm/test/browser.html?token=${scim.token}`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
  const result = await page.evaluate(() => window.__result);
  const ok = result.ok && result.summary.createUsers === 1 && result.summary.createGroups === 1 && result.summary.addMembers === 1
    && result.doctorBefore === 0 && result.doctorAfter === 1 && result.findings > 0;
  if (ok) passed++;
  else {
    failed++;
    console.error("browser plan:", JSON.stringify(result));
  }
  if (process.argv[2]) await page.screenshot({ path: process.argv[2] });

  // The same plan straight to scim2-server, another origin without CORS headers: the run
  // fails, and the error says what the browser's bare "Failed to fetch" usually means.
  const direct = await browser.newPage();
  await direct.goto(`${origin}/npm/test/browser.html?token=${scim.token}&direct=${encodeURIComponent(scim.url)}`);
  await direct.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
  const refused = await direct.evaluate(() => window.__result);
  if (!refused.ok && refused.kind === "run-failed" && /Failed to fetch \(the browser gives no reason: most often CORS/.test(refused.error)) passed++;
  else {
    failed++;
    console.error("cross-origin plan:", JSON.stringify(refused));
  }
} finally {
  await browser.close();
  site.close();
  await scim.stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
