// The CLI's `plan` of a 100,000-user directory against a local HTTP server, beside a minimal
// host: a small Node script that fetches the same pages (the same URLs, as many at a time as
// the engine sends) and `JSON.parse`s them, keeping what it parsed, as any host that plans
// from a listing must. Each side is a child process, timed from spawn to exit, its peak
// memory its maximum resident set size (`process.resourceUsage().maxRSS`, written at exit by
// a preloaded hook). The sides alternate RUNS times; the medians give the two ratios (issue
// 18: target <= 1.5 each). The server (in this process) serves every page from the same
// prebuilt JSON for both. Run after scripts/npm.sh: node npm/bench/cli-plan.mjs
//   USERS=100000 RUNS=3 FORMAT=json|csv PACKAGE=path/to/npm (another build, to compare)
//   CLI_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" (profile the CLI's side)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const N = Number(process.env.USERS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 3);
const FORMAT = process.env.FORMAT ?? "json";
const MAX_RESULTS = 1_000;
const IN_FLIGHT = 4; // the engine's default maxInFlight
const pkg = resolve(process.env.PACKAGE ?? fileURLToPath(new URL("..", import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), "cli-plan-bench-"));

const pad = (n) => String(n).padStart(6, "0");
const user = (i) => ({
  userName: `user${pad(i)}@example.com`,
  externalId: `E${pad(i)}`,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  title: "Specialist",
});
// The server's users, each as JSON once: a page is a join, the same cost for both sides.
const listed = Array.from({ length: N }, (_, i) =>
  JSON.stringify({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id: `u${pad(i)}`,
    ...user(i),
    active: true,
    emails: [{ value: `user${pad(i)}@example.com`, primary: true, type: "work" }],
  }),
);
const page = (all, start, count) => {
  const slice = all.slice(start - 1, start - 1 + count);
  return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${all.length},"startIndex":${start},"itemsPerPage":${slice.length},"Resources":[${slice.join(",")}]}`;
};
const config = JSON.stringify({ patch: { supported: true }, filter: { supported: true, maxResults: MAX_RESULTS }, bulk: { supported: false } });

let requested = [];
const server = createServer((req, res) => {
  requested.push(req.url);
  const url = new URL(req.url, "http://x");
  const body = url.pathname.endsWith("/ServiceProviderConfig")
    ? config
    : page(url.pathname.endsWith("/Users") ? listed : [], Number(url.searchParams.get("startIndex") ?? 1), Number(url.searchParams.get("count") ?? MAX_RESULTS));
  res.writeHead(200, { "content-type": "application/scim+json" });
  res.end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/scim/v2`;

// The directory file: the same users, so the plan is empty.
const directory = join(tmp, `directory.${FORMAT}`);
if (FORMAT === "csv") {
  const rows = Array.from({ length: N }, (_, i) => `user${pad(i)}@example.com,Given${i},Family${i},E${pad(i)},Specialist`);
  writeFileSync(directory, ["userName,givenName,familyName,externalId,title", ...rows, ""].join("\n"));
} else {
  writeFileSync(directory, JSON.stringify({ users: Array.from({ length: N }, (_, i) => user(i)) }));
}

// Writes the child's peak RSS (KiB) to the file BENCH_RSS_FILE names, at exit.
const hook = join(tmp, "rss-hook.mjs");
writeFileSync(hook, `import { writeFileSync } from "node:fs";
process.on("exit", () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`);

// The minimal host: fetch the URLs, IN_FLIGHT at a time, JSON.parse each, keep the resources.
const minimal = join(tmp, "minimal-host.mjs");
writeFileSync(minimal, `import { readFileSync } from "node:fs";
const [urls, inFlight] = [JSON.parse(readFileSync(process.argv[2], "utf8")), Number(process.argv[3])];
const kept = [];
let next = 0;
const worker = async () => {
  while (next < urls.length) {
    const url = urls[next++];
    const res = await fetch(url, { headers: { accept: "application/scim+json", authorization: "Bearer bench" } });
    const value = JSON.parse(await res.text());
    kept.push(value.Resources ?? value);
  }
};
await Promise.all(Array.from({ length: inFlight }, worker));
process.stdout.write(String(kept.reduce((n, r) => n + (Array.isArray(r) ? r.length : 0), 0)) + "\\n");
`);

/** Runs `node args` to its end: wall ms, peak RSS in MiB, stdout. */
function run(args, env = {}) {
  const rssFile = join(tmp, "rss");
  rmSync(rssFile, { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", hook, ...args], {
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((done, fail) =>
    child.on("close", (code) => {
      const ms = performance.now() - started;
      // `plan` exits 0 for an empty plan; anything else is a broken bench.
      if (code !== 0) return fail(new Error(`node ${args.join(" ")} exited ${code}: ${stderr}${stdout}`));
      done({ ms, rssMiB: Number(readFileSync(rssFile, "utf8")) / 1024, stdout });
    }),
  );
}

const cliNodeArgs = (process.env.CLI_NODE_ARGS ?? "").split(" ").filter(Boolean);
const cli = () => run([...cliNodeArgs, join(pkg, "bin", "scim-provision.js"), "plan", "--desired", directory, "--url", base], { SCIM_TOKEN: "bench-token" });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cliRuns = [], hostRuns = [];
try {
  for (let i = 0; i < RUNS; i++) {
    requested = [];
    cliRuns.push(await cli());
    // The minimal host fetches exactly what the CLI fetched.
    const urls = join(tmp, "urls.json");
    writeFileSync(urls, JSON.stringify(requested.map((u) => `http://127.0.0.1:${server.address().port}${u}`)));
    const fetched = requested.length;
    const host = await run([minimal, urls, String(IN_FLIGHT)]);
    if (Number(host.stdout) !== N) throw new Error(`the minimal host kept ${host.stdout.trim()} users, not ${N}`);
    hostRuns.push({ ...host, fetched });
  }
} finally {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}

const wall = [median(cliRuns.map((r) => r.ms)), median(hostRuns.map((r) => r.ms))];
const rss = [median(cliRuns.map((r) => r.rssMiB)), median(hostRuns.map((r) => r.rssMiB))];
const f = (x, d = 0) => x.toFixed(d).padStart(7);
console.log(`CLI plan benchmark: ${N} users (${FORMAT} directory), ${hostRuns[0].fetched} requests (pages of up to ${MAX_RESULTS}), ${IN_FLIGHT} in flight, median of ${RUNS}`);
console.log(`                                  wall ms   peak RSS MiB`);
console.log(`  minimal host (fetch + JSON.parse) ${f(wall[1])}   ${f(rss[1])}`);
console.log(`  scim-provision plan               ${f(wall[0])}   ${f(rss[0])}`);
console.log(`  ratio                             ${f(wall[0] / wall[1], 2)}   ${f(rss[0] / rss[1], 2)}    (targets <= 1.50 each)`);
console.log(`  every run: CLI ${cliRuns.map((r) => `${r.ms.toFixed(0)} ms/${r.rssMiB.toFixed(0)} MiB`).join(", ")}; host ${hostRuns.map((r) => `${r.ms.toFixed(0)} ms/${r.rssMiB.toFixed(0)} MiB`).join(", ")}`);
