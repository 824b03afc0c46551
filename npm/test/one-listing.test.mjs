// One listing per run (issue 18), counted end to end against scim2-server: `apply --desired`
// lists the server once, shows the plan, asks, and applies that plan from the same listing
// (the engine's `review` mode), whether confirmed by --yes in the CLI or by the facade's
// `sync(desired, { approve })`; `apply --plan FILE` lists once, to verify the reviewed plan,
// and applies it from that listing. A drift resync sends the listing pages, discovery and the
// plan's writes, nothing more.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { Provisioner } from "../dist/node.js";
import { runCli, shown } from "./lib/cli.mjs";
import { startFaultProxy } from "./lib/fault-proxy.mjs";
import { startScimServer } from "./server.mjs";

const TOKEN = "one-listing-token-2718";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const USERS = 40;

const tmp = mkdtempSync(join(tmpdir(), "scim-one-listing-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args) => runCli(args, TOKEN);

/** The directory as CSV: `USERS` users in four groups; `title` set per user by `titleOf`. */
function directoryCsv(titleOf = () => "Engineer", count = USERS) {
  const rows = ["userName,givenName,familyName,title,active,groups"];
  for (let i = 0; i < count; i++) rows.push(`user${i}@example.com,Given${i},Family${i},${titleOf(i)},true,Team ${i % 4}`);
  return rows.join("\n") + "\n";
}
function writeDirectory(name, text) {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

/** Listing requests (unfiltered collection GETs) among `records`, by resource type. */
function listings(records) {
  const of = (kind) => records.filter((r) => r.method === "GET" && r.path.startsWith(`/${kind}?`) && !/[?&]filter=/.test(r.path)).length;
  return { users: of("Users"), groups: of("Groups") };
}
const writes = (records) => records.filter((r) => WRITES.has(r.method));

async function serverWithProxy(t) {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const proxy = await startFaultProxy(server);
  t.after(() => proxy.close());
  return { server, proxy };
}

test("apply --desired --yes lists once and applies from that listing; a 2% drift resync sends only what it must", { timeout: 90_000 }, async (t) => {
  const { proxy } = await serverWithProxy(t);
  const initial = writeDirectory("initial.csv", directoryCsv());
  const first = await cli(["apply", "--desired", initial, "--url", proxy.url, "--yes"]);
  assert.equal(first.code, 0, shown(first));
  assert.match(first.stdout, /Create users/i, "the plan is shown before it is applied");
  assert.deepEqual(listings(proxy.records), { users: 1, groups: 1 }, "one listing");

  // Drift: one title in 50 changes (2%). The resync lists once and writes each change once.
  proxy.clear();
  const drifted = writeDirectory("drifted.csv", directoryCsv((i) => (i % 50 === 0 ? "Manager" : "Engineer")));
  const resync = await cli(["apply", "--desired", drifted, "--url", proxy.url, "--yes", "--json"]);
  assert.equal(resync.code, 0, shown(resync));
  const report = JSON.parse(resync.stdout);
  assert.equal(report.status, "applied");
  assert.deepEqual(listings(proxy.records), { users: 1, groups: 1 }, "one listing");
  assert.equal(writes(proxy.records).length, report.plan.cost.requests, "the writes the plan stated");
  assert.equal(report.plan.cost.requests, Math.ceil(USERS / 50));
  // Discovery, one page of each kind, the writes: the least this resync can send.
  assert.equal(proxy.records.length, 1 + 2 + report.plan.cost.requests, proxy.records.map((r) => `${r.method} ${r.path}`).join("\n"));
  assert.equal(report.requestsSent, proxy.records.length);
});

test("Provisioner.sync with approve: the plan is shown, approved or declined, from one listing", { timeout: 60_000 }, async (t) => {
  const { server } = await serverWithProxy(t);
  const sent = [];
  const countingFetch = (url, init) => {
    sent.push({ method: init?.method ?? "GET", path: new URL(url).pathname.replace(/^.*?\/(Users|Groups|ServiceProviderConfig)/, "/$1") + new URL(url).search });
    return fetch(url, init);
  };
  const p = new Provisioner({ baseUrl: server.url, token: TOKEN });
  const desired = { users: Array.from({ length: 3 }, (_, i) => ({ userName: `ann${i}@example.com` })), groups: [] };

  // Declined: the run ends `declined`, with the plan, and nothing is written.
  const declined = await p.sync(desired, { fetch: countingFetch, approve: () => false });
  assert.equal(declined.status, "declined");
  assert.equal(declined.plan.summary.createUsers, 3);
  assert.deepEqual(listings(sent), { users: 1, groups: 1 });
  assert.equal(writes(sent).length, 0, "declined: nothing written");

  // Approved: the plan handed to `approve` is the one applied, with no second listing.
  sent.length = 0;
  const seen = [];
  const report = await p.sync(desired, {
    fetch: countingFetch,
    approve: async (plan) => {
      seen.push(plan);
      assert.equal(writes(sent).length, 0, "nothing written before approval");
      return true;
    },
  });
  assert.equal(report.status, "applied", JSON.stringify(report));
  assert.equal(seen.length, 1);
  assert.equal(report.plan.digest, seen[0].digest);
  assert.deepEqual(listings(sent), { users: 1, groups: 1 }, "one listing");
  assert.equal(writes(sent).length, 3);

  // Nothing left to do: not asked, applied.
  sent.length = 0;
  const again = await p.sync(desired, { fetch: countingFetch, approve: () => assert.fail("nothing to approve") });
  assert.equal(again.status, "applied");
  assert.equal(writes(sent).length, 0);
});

test("apply --plan FILE lists once, to verify the reviewed plan, and applies it", { timeout: 60_000 }, async (t) => {
  const { proxy } = await serverWithProxy(t);
  const dir = writeDirectory("reviewed.csv", directoryCsv(() => "Engineer", 6));
  const out = join(tmp, "reviewed.plan.json");
  const planned = await cli(["plan", "--desired", dir, "--url", proxy.url, "--out", out]);
  assert.equal(planned.code, 2, shown(planned));

  proxy.clear();
  const applied = await cli(["apply", "--plan", out, "--url", proxy.url, "--yes"]);
  assert.equal(applied.code, 0, shown(applied));
  assert.deepEqual(listings(proxy.records), { users: 1, groups: 1 }, "one listing");
  assert.equal(writes(proxy.records).length, 6 + 4, "six users, four groups with their members");
});
