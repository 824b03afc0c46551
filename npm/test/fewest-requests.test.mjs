// Fewest requests end to end (issue 18): the `scim-provision` CLI against scim2-server, through
// the recording proxy of test/lib/fault-proxy.mjs (no faults): a new group whose members all
// exist is created with them in ONE `POST /Groups`, the server then holds the members (read
// back directly, not through the package), the listing asks for pages as large as the
// server's ServiceProviderConfig allows (scim2-server: `filter.maxResults` 1000), and the
// plan states what it will cost.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { runCli, shown } from "./lib/cli.mjs";
import { startFaultProxy } from "./lib/fault-proxy.mjs";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "fewest-requests-token-4711";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const PEOPLE = ["ana.silva", "ben.okafor", "chen.li"];

const tmp = mkdtempSync(join(tmpdir(), "scim-fewest-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args) => runCli(args, TOKEN);

test("a new group of existing users is one POST carrying its members; pages as large as discovery allows", { timeout: 60_000 }, async (t) => {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const proxy = await startFaultProxy(server);
  t.after(() => proxy.close());

  // The users exist already (created directly on the server); the directory adds a group.
  const ids = new Map();
  for (const p of PEOPLE) {
    const [givenName, familyName] = p.split(".");
    const res = await fetch(`${server.url}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ schemas: [USER], userName: `${p}@example.com`, active: true, name: { givenName, familyName } }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    ids.set(`${p}@example.com`, JSON.parse(text).id);
  }
  const dir = join(tmp, "directory.csv");
  writeFileSync(
    dir,
    ["userName,givenName,familyName,active,groups", ...PEOPLE.map((p) => `${p}@example.com,${p.split(".")[0]},${p.split(".")[1]},true,Engineering`)].join("\n") + "\n",
  );

  // The plan states its cost: one request, the group's create, which carries the members.
  const planned = await cli(["plan", "--desired", dir, "--url", proxy.url, "--json"]);
  assert.equal(planned.code, 2, shown(planned));
  const plan = JSON.parse(planned.stdout);
  assert.deepEqual(plan.cost.byKind, { createGroup: 1 }, shown(planned));
  assert.equal(plan.cost.requests, 1);
  const create = plan.actions.find((a) => a.type === "createGroup");
  assert.deepEqual(create.request.body.members.map((m) => m.value).sort(), [...ids.values()].sort());
  assert.equal(plan.summary.addMembers, 3, "the summary counts the members added, as before");
  const view = await cli(["plan", "--desired", dir, "--url", proxy.url]);
  assert.match(view.stdout, /Cost: 1 request \(1 createGroup\)/, shown(view));
  assert.match(view.stdout, /with 3 members/, shown(view));

  // Listing: one page of users, asked with count=1000 (scim2-server's maxResults).
  const listings = proxy.requests("GET", /^\/Users\?/).map((r) => new URLSearchParams(r.path.split("?")[1]).get("count"));
  assert.ok(listings.length > 0 && listings.every((c) => c === "1000"), `count per listing page: ${listings}`);

  proxy.clear();
  const apply = await cli(["apply", "--desired", dir, "--url", proxy.url, "--yes"]);
  assert.equal(apply.code, 0, shown(apply));
  const writes = proxy.records.filter((r) => WRITES.has(r.method));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), ["POST /Groups"], "one request writes the group and its members");
  assert.deepEqual(writes[0].json.members.map((m) => m.value).sort(), [...ids.values()].sort());

  // The server holds the members, read back directly.
  const groups = await readAll(server, "Groups");
  assert.equal(groups.length, 1);
  assert.equal(groups[0].displayName, "Engineering");
  assert.deepEqual((groups[0].members ?? []).map((m) => m.value).sort(), [...ids.values()].sort());
  const again = await cli(["plan", "--desired", dir, "--url", proxy.url]);
  assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);
});

test("against a server advertising SCIM Bulk, an initial sync is the listing and one POST /Bulk; the server holds everything", { timeout: 60_000 }, async (t) => {
  const server = await startScimServer(TOKEN, { bulk: true });
  t.after(() => server.stop());
  const proxy = await startFaultProxy(server);
  t.after(() => proxy.close());
  const people = Array.from({ length: 40 }, (_, i) => `person${String(i).padStart(2, "0")}@example.com`);
  const dir = join(tmp, "bulk.csv");
  writeFileSync(
    dir,
    ["userName,givenName,familyName,active,groups", ...people.map((p, i) => `${p},P,${i},true,${i % 2 ? "Odd" : "Even"}`)].join("\n") + "\n",
  );

  const planned = await cli(["plan", "--desired", dir, "--url", proxy.url, "--json"]);
  const plan = JSON.parse(planned.stdout);
  // 40 user creates and 2 group creates carrying their members: one Bulk request of 1,000.
  assert.equal(plan.actions.length, 42, shown(planned));
  assert.deepEqual([plan.cost.requests, plan.cost.bulkMaxOperations], [1, 1000], shown(planned));

  proxy.clear();
  const apply = await cli(["apply", "--desired", dir, "--url", proxy.url, "--yes"]);
  assert.equal(apply.code, 0, shown(apply));
  const writes = proxy.records.filter((r) => WRITES.has(r.method));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), ["POST /Bulk"], "every write in one Bulk request");
  assert.equal(writes[0].json.Operations.length, 42);

  // The server holds each user once and each group with its members, read back directly.
  const users = await readAll(server, "Users");
  assert.deepEqual(users.map((u) => u.userName).sort(), people);
  const idOf = new Map(users.map((u) => [u.userName, u.id]));
  const groups = await readAll(server, "Groups");
  assert.deepEqual(groups.map((g) => g.displayName).sort(), ["Even", "Odd"]);
  for (const g of groups) {
    const want = people.filter((_, i) => (i % 2 ? "Odd" : "Even") === g.displayName).map((p) => idOf.get(p)).sort();
    assert.deepEqual((g.members ?? []).map((m) => m.value).sort(), want, `members of ${g.displayName}`);
  }
  const again = await cli(["plan", "--desired", dir, "--url", proxy.url]);
  assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);
});
