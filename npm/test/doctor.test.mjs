// The server doctor against a real SCIM server (scim2-server), through the facade and the
// CLI: its findings are what the server does (checked here by asking the server directly),
// it removes what it made, its profile file is taken by `--profile FILE`, and the token is
// never shown.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Provisioner } from "../dist/node.js";
import { readAll, startScimServer } from "./server.mjs";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));
const TOKEN = "doctor-secret-token-0815";
const tmp = mkdtempSync(join(tmpdir(), "scim-doctor-"));

function cli(args) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
    });
    child.stdin.end();
  });
}

/** A request straight to the server, not through the package. */
async function direct(server, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const byCheck = (report) => Object.fromEntries(report.findings.map((f) => [f.check, f]));
const flagged = (report) => report.findings.filter((f) => f.verdict === "quirk" || f.verdict === "failed").map((f) => f.check);

describe("doctor against scim2-server", () => {
  let server;
  before(async () => {
    server = await startScimServer(TOKEN);
    for (const name of ["Doc.One@Example.com", "Doc.Two@Example.com", "Doc.Three@Example.com"]) {
      const created = await direct(server, "POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: name });
      assert.equal(created.status, 201);
    }
  });
  after(async () => {
    await server?.stop();
  });

  test("the findings are what the server does, and nothing it made is left", async () => {
    const p = new Provisioner({ baseUrl: server.url, token: TOKEN, seed: 7 });
    const report = await p.doctor({ write: true });
    const f = byCheck(report);
    assert.deepEqual(flagged(report), [], JSON.stringify(report.findings, null, 1));
    assert.equal(report.stopped, false);

    // What the server says and does, asked directly.
    const spc = await direct(server, "GET", "/ServiceProviderConfig");
    assert.equal(f.bulk.value, spc.body.bulk.supported ? spc.body.bulk.maxOperations : false);
    const upper = await direct(server, "GET", `/Users?filter=${encodeURIComponent('userName eq "DOC.ONE@EXAMPLE.COM"')}`);
    assert.equal(upper.body.totalResults, 1);
    assert.equal(f.userNameCase.verdict, "ok");
    assert.equal(f.userNameCase.value, "insensitive");
    const cursor = await direct(server, "GET", "/Users?cursor&count=1");
    assert.equal(f.cursor.value, cursor.status === 200 && "nextCursor" in cursor.body);
    const missing = await direct(server, "GET", "/Users/no-such-id");
    assert.equal(f.unknownUser.value, missing.status);
    assert.equal(f.errorStatus.value, typeof missing.body.status === "number" ? "number" : "string");
    const g = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "doctor-test-twice" };
    const first = await direct(server, "POST", "/Groups", g);
    const second = await direct(server, "POST", "/Groups", g);
    assert.equal(f.groupNameUnique.value, second.status === 409);
    for (const made of [first, second]) if (made.status === 201) await direct(server, "DELETE", `/Groups/${made.body.id}`);

    for (const check of ["auth", "serviceProviderConfig", "startIndex", "stableOrder", "filterUserName", "escapedQuote", "escapedBackslash", "duplicateUserName", "patchAddArray", "patchAddSingle", "patchRemoveByValue", "patchPathless", "cleanup"]) {
      assert.equal(f[check].verdict, "ok", check);
    }
    assert.equal(f.createStatus.value, 201);
    assert.equal(f.createGroupWithMembers.value, true);
    assert.equal(f.deleteUser.value, "deleted");
    assert.equal(f.patchOpCase.value, "both");
    // Three listed users cannot show a cap below the 1,001 asked for.
    assert.equal(f.pageSizeCap.verdict, "unknown");
    // Evidence: the request and the answer, never the token.
    assert.match(f.startIndex.evidence[0].path, /startIndex=2&count=1$/);
    assert.equal(f.startIndex.evidence[0].status, 200);
    assert.ok(!JSON.stringify(report).includes(TOKEN));

    assert.equal((await readAll(server, "Users")).length, 3, "the throwaway users are gone");
    assert.equal((await readAll(server, "Groups")).length, 0, "the throwaway group is gone");
    assert.equal(report.profile.errorStatus, "string");
    assert.equal(report.profile.createGroupWithMembers, true);
  });

  test("read only by default: nothing is written", async () => {
    const before = JSON.stringify(await readAll(server, "Users"));
    const report = await new Provisioner({ baseUrl: server.url, token: TOKEN }).doctor();
    assert.equal(report.write, false);
    assert.ok(report.findings.every((f) => f.check !== "createStatus"));
    assert.equal(JSON.stringify(await readAll(server, "Users")), before);
  });

  test("a wrong token is the auth finding, failed", async () => {
    const report = await new Provisioner({ baseUrl: server.url, token: "wrong-token-123456" }).doctor({ write: true });
    const f = byCheck(report);
    assert.equal(f.auth.verdict, "failed");
    assert.equal(f.auth.value, 401);
    assert.equal(report.stopped, true);
    // Discovery may answer without credentials; the first request that needs them stops it.
    assert.ok(report.requests <= 4, `${report.requests} requests`);
  });

  test("the CLI prints the table, writes a profile every command takes, and never the token", async () => {
    const out = join(tmp, "server.profile.json");
    const json = await cli(["doctor", "--url", server.url, "--json", "--write", "--profile-out", out]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.ok(report.findings.length > 20);
    const profile = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(profile.name, "generic+doctor");
    assert.deepEqual(profile, report.profile);

    const table = await cli(["doctor", "--url", server.url, "--no-color"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Compatibility of http:\/\/127\.0\.0\.1:\d+/);
    assert.match(table.stdout, /startIndex honoured +ok +GET \/Users\?startIndex=2&count=1 → 200/);
    assert.match(table.stdout, /0 flagged/);

    // The profile file in place of a built-in name.
    const desired = join(tmp, "desired.json");
    writeFileSync(desired, JSON.stringify({ users: [{ userName: "Doc.One@Example.com" }] }));
    const plan = await cli(["plan", "--desired", desired, "--url", server.url, "--profile", out, "--json"]);
    assert.ok(plan.code === 0 || plan.code === 2, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).profile, "generic+doctor");
    const bad = join(tmp, "bad.profile.json");
    writeFileSync(bad, JSON.stringify({ ...profile, discovery: "yes" }));
    const refused = await cli(["plan", "--desired", desired, "--url", server.url, "--profile", bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /profile\.discovery/);

    for (const run of [json, table, plan, refused]) assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN));
  });
});
