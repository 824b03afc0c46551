// Ctrl-C during apply (issue 21 item 4): the CLI sends no new request, waits for the ones
// under way, says in plain words what was done and what was not, and exits 130. Run against
// scim2-server behind a proxy that holds each create a while, so the run is stopped midway.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { startFaultProxy } from "./lib/fault-proxy.mjs";
import { startScimServer } from "./server.mjs";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));
const TOKEN = "interrupt-token-31";
const USERS = 20;
const HOLD_MS = 400;

test("Ctrl-C during apply stops sending, waits for the requests under way and says what was done", async () => {
  const server = await startScimServer(TOKEN);
  const proxy = await startFaultProxy(server, {
    rules: [{ name: "slow create", method: "POST", path: /\/Users$/, fault: "pass", before: () => new Promise((r) => setTimeout(r, HOLD_MS)) }],
  });
  try {
    const dir = mkdtempSync(join(tmpdir(), "scim-interrupt-"));
    const desired = join(dir, "people.csv");
    writeFileSync(desired, ["userName", ...Array.from({ length: USERS }, (_, i) => `user${i}@example.com`)].join("\n") + "\n");
    const child = spawn(process.execPath, [CLI, "apply", "--desired", desired, "--url", proxy.url, "--yes"], {
      env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    // Stopped once a few creates reached the server (the proxy holds each HOLD_MS).
    const posts = () => proxy.records.filter((r) => r.method === "POST").length;
    const deadline = Date.now() + 30_000;
    while (posts() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(posts() >= 3, `creates under way before the interrupt: ${posts()}\n${stderr}`);
    child.kill("SIGINT");
    const code = await exited;
    const sentAtExit = posts();

    assert.equal(code, 130, `exit code\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    assert.match(stderr, /Stopping: no new requests; waiting for the ones under way/);
    const summary = stdout.match(/Stopped before the end: (\d+) of (\d+) changes made, (\d+) not\./);
    assert.ok(summary, `a plain summary:\n${stdout}`);
    const [made, total, notMade] = summary.slice(1).map(Number);
    assert.equal(total, USERS);
    assert.equal(made + notMade, USERS);
    assert.ok(made > 0 && made < USERS, `some done, some not: ${made}`);
    assert.match(stdout, new RegExp(`done: ${made} users? created`));
    assert.match(stdout, new RegExp(`not done: ${notMade} users? to create`));
    assert.match(stdout, /Run the same command again to finish/);
    assert.doesNotMatch(stdout, /notRun|not run/, "no internal status names");

    // What the summary says was made is what the server holds; nothing went after the exit.
    const listed = await fetch(`${server.url}/Users?count=100`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());
    assert.equal(listed.totalResults, made, "the server holds exactly the users reported made");
    await new Promise((r) => setTimeout(r, HOLD_MS * 2));
    assert.equal(posts(), sentAtExit, "no request after the exit");
    assert.equal(sentAtExit, made, "every create sent was awaited and counted");
  } finally {
    await proxy.close();
    await server.stop();
  }
});
