// The CLI against a server answering as SAP Concur and Kaiten do (numeric ids, numeric
// meta.version, string counts, numeric members[].value): it lists and plans, and warns once
// per coerced attribute path (issue 16, item 7).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));

/** Two pages of users (one per page), one group: every answer with the vendors' odd types. */
function oddServer(seen) {
  return createServer((req, res) => {
    seen.push(req.url);
    const url = new URL(req.url, "http://localhost");
    const start = Number(url.searchParams.get("startIndex") ?? "1");
    let status = 200;
    let body;
    if (url.pathname.endsWith("/ServiceProviderConfig")) {
      body = { patch: { supported: true }, filter: { supported: true, maxResults: 1 } };
    } else if (url.pathname.endsWith("/Users")) {
      const n = start;
      body = {
        totalResults: "2", startIndex: String(start), itemsPerPage: "1",
        Resources: [{ id: 100 + n, userName: `user${n}@example.com`, active: true, meta: { resourceType: "User", version: n } }],
      };
    } else if (url.pathname.endsWith("/Groups")) {
      body = { totalResults: "1", Resources: [{ id: 201, displayName: "Support", members: [{ value: 101 }, { value: 102 }] }] };
    } else {
      status = 404;
      body = { status: "404", detail: "no such endpoint" };
    }
    res.writeHead(status, { "Content-Type": "application/scim+json" });
    res.end(JSON.stringify(body));
  });
}

test("a server with numeric ids, versions and member values is listed, planned and warned about once per path", async () => {
  const seen = [];
  const server = oddServer(seen);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dir = mkdtempSync(join(tmpdir(), "scim-tolerant-"));
  const desired = join(dir, "desired.json");
  writeFileSync(desired, JSON.stringify({
    users: [{ userName: "user1@example.com" }, { userName: "user2@example.com" }],
    groups: [{ displayName: "Support", members: ["user1@example.com", "user2@example.com"] }],
  }));
  try {
    const url = `http://127.0.0.1:${server.address().port}/scim/v2`;
    const run = await new Promise((resolve) => {
      const child = execFile(process.execPath, [CLI, "plan", "--desired", desired, "--url", url], { env: { PATH: process.env.PATH, SCIM_TOKEN: "t" }, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
      });
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /server: 2 users, 1 groups/);
    assert.match(run.stdout, /No changes/);
    assert.equal(seen.filter((u) => u.includes("/Users?")).length, 2, "two pages of users (maxResults 1)");
    const coerced = run.stderr.split("\n").filter((l) => l.includes("warning: coerced")).map((l) => l.trim());
    assert.deepEqual(coerced, [
      "warning: coerced Resources[].id from a number to a string",
      "warning: coerced Resources[].meta.version from a number to a string",
      "warning: coerced itemsPerPage from a string to an integer",
      "warning: coerced startIndex from a string to an integer",
      "warning: coerced totalResults from a string to an integer",
      "warning: coerced Resources[].members[].value from a number to a string",
    ]);
  } finally {
    server.close();
  }
});
