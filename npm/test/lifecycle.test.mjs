// Lifecycle operations end to end (issue 19): the `scim-provision` CLI's provision,
// deprovision, reactivate, grant, revoke and events commands against scim2-server, through
// the recording proxy of test/lib/fault-proxy.mjs (no faults). Each operation sends the least
// requests (discovery, which the generic profile asks for, aside): a new user is one POST, a
// deactivation a lookup and a PATCH, a grant of an existing user to an existing group two
// lookups and a PATCH; a replayed events file writes nothing; the policy's protected users
// refuse; hostile userNames and a group name with a quote find the right subject. What the
// server holds is read back directly, not through the package.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { runCli, shown } from "./lib/cli.mjs";
import { startFaultProxy } from "./lib/fault-proxy.mjs";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "lifecycle-token-4711";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const tmp = mkdtempSync(join(tmpdir(), "scim-lifecycle-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args) => runCli(args, TOKEN);
/** The requests to /Users and /Groups, as "METHOD /Endpoint" (ids and queries dropped). */
const sent = (proxy) =>
  proxy.records.filter((r) => !r.path.startsWith("/ServiceProviderConfig")).map((r) => `${r.method} ${r.path.split("?")[0].replace(/^(\/\w+)\/.+$/, "$1/{id}")}`);
const writes = (proxy) => proxy.records.filter((r) => WRITES.has(r.method));

async function post(server, endpoint, body) {
  const res = await fetch(`${server.url}/${endpoint}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).id;
}

const seedUser = (server, userName) => post(server, "Users", { schemas: [USER], userName, active: true, name: { givenName: "G", familyName: "F" } });
const userNamed = async (server, userName) => (await readAll(server, "Users")).find((u) => u.userName === userName);

async function setup(t) {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const proxy = await startFaultProxy(server);
  t.after(() => proxy.close());
  return { server, proxy };
}

test("provision: a new user is one POST; --dry-run shows the plan and exits 2, then 0", { timeout: 60_000 }, async (t) => {
  const { server, proxy } = await setup(t);
  const args = ["provision", "--user", "ana@example.com", "--given-name", "Ana", "--family-name", "Silva", "--title", "Engineer", "--url", proxy.url];
  const dry = await cli([...args, "--dry-run"]);
  assert.equal(dry.code, 2, shown(dry));
  assert.match(dry.stdout, /ana@example\.com/);
  assert.match(dry.stdout, /1 lookup already made \(2 requests in all\)/, shown(dry));
  assert.equal(writes(proxy).length, 0, "a dry run writes nothing");

  proxy.clear();
  const run = await cli([...args, "--yes"]);
  assert.equal(run.code, 0, shown(run));
  assert.deepEqual(sent(proxy), ["POST /Users"], "a new user is one request");
  const ana = await userNamed(server, "ana@example.com");
  assert.equal(ana.title, "Engineer");
  assert.equal(ana.name.givenName, "Ana");

  proxy.clear();
  const again = await cli([...args, "--dry-run"]);
  assert.equal(again.code, 0, shown(again));
  assert.match(again.stdout, /already in effect/);
});

test("deprovision is a lookup and a PATCH; an unknown user is a note and exit 0; reactivate", { timeout: 60_000 }, async (t) => {
  const { server, proxy } = await setup(t);
  await seedUser(server, "bo@example.com");
  const run = await cli(["deprovision", "--user", "BO@example.com", "--url", proxy.url, "--yes"]);
  assert.equal(run.code, 0, shown(run));
  assert.deepEqual(sent(proxy), ["GET /Users", "PATCH /Users/{id}"]);
  assert.equal((await userNamed(server, "bo@example.com")).active, false);

  proxy.clear();
  const ghost = await cli(["deprovision", "--user", "ghost@example.com", "--url", proxy.url, "--yes"]);
  assert.equal(ghost.code, 0, shown(ghost));
  assert.match(ghost.stdout, /already in effect \(the user is not on the server\)/, shown(ghost));
  assert.equal(writes(proxy).length, 0);

  const unknown = await cli(["reactivate", "--user", "ghost@example.com", "--url", proxy.url, "--yes"]);
  assert.equal(unknown.code, 1, shown(unknown));
  assert.match(unknown.stderr, /not on the server/, shown(unknown));

  const back = await cli(["reactivate", "--user", "bo@example.com", "--url", proxy.url, "--yes"]);
  assert.equal(back.code, 0, shown(back));
  assert.equal((await userNamed(server, "bo@example.com")).active, true);
});

test("grant is two lookups and a PATCH, to a group named with a quote; revoke removes only that member", { timeout: 60_000 }, async (t) => {
  const { server, proxy } = await setup(t);
  const cy = await seedUser(server, "cy@example.com");
  const di = await seedUser(server, "di@example.com");
  const name = 'Eng "core" \\ ops';
  await post(server, "Groups", { schemas: [GROUP], displayName: name, members: [{ value: di }] });
  const run = await cli(["grant", "--user", "cy@example.com", "--group", name, "--url", proxy.url, "--yes", "--json"]);
  assert.equal(run.code, 0, shown(run));
  assert.deepEqual(sent(proxy), ["GET /Users", "GET /Groups", "PATCH /Groups/{id}"], shown(run));
  const report = JSON.parse(run.stdout);
  assert.equal(report.plan.cost.lookups + report.plan.cost.requests, 3);
  let [group] = await readAll(server, "Groups");
  assert.deepEqual(group.members.map((m) => m.value).sort(), [cy, di].sort());

  proxy.clear();
  const again = await cli(["grant", "--user", "cy@example.com", "--group", name, "--url", proxy.url, "--yes"]);
  assert.equal(again.code, 0, shown(again));
  assert.equal(writes(proxy).length, 0, "granted again: nothing written");

  const revoke = await cli(["revoke", "--user", "cy@example.com", "--group", name, "--url", proxy.url, "--yes"]);
  assert.equal(revoke.code, 0, shown(revoke));
  [group] = await readAll(server, "Groups");
  assert.deepEqual(group.members.map((m) => m.value), [di]);
});

test("an events file applies in order, and replaying it writes nothing", { timeout: 60_000 }, async (t) => {
  const { server, proxy } = await setup(t);
  await seedUser(server, "hal@example.com");
  const file = join(tmp, "events.jsonl");
  const lines = [
    { id: "h1", type: "hire", timestamp: "2026-01-05T09:00:00Z", user: { userName: "fay@example.com", name: { givenName: "Fay", familyName: "Ro" }, title: "Analyst" }, groups: ["Finance"] },
    { id: "u1", type: "update", timestamp: "2026-02-01T09:00:00Z", user: { userName: "fay@example.com", title: "Senior Analyst" } },
    { id: "t1", type: "terminate", timestamp: "2026-03-01T17:00:00Z", user: { userName: "hal@example.com" } },
  ];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const run = await cli(["events", "--file", file, "--url", proxy.url, "--yes"]);
  assert.equal(run.code, 0, shown(run));
  // The two people are looked up in one query, `userName eq "…" or userName eq "…"`.
  const userLookups = proxy.requests("GET", /^\/Users\?/).map((r) => decodeURIComponent(r.path));
  assert.equal(userLookups.length, 1, userLookups.join("\n"));
  assert.match(userLookups[0], /userName eq "fay@example\.com" or userName eq "hal@example\.com"/);
  assert.equal((await userNamed(server, "fay@example.com")).title, "Senior Analyst");
  assert.equal((await userNamed(server, "hal@example.com")).active, false);
  const [finance] = await readAll(server, "Groups");
  assert.equal(finance.displayName, "Finance");
  assert.equal(finance.members.length, 1);

  proxy.clear();
  const replay = await cli(["events", "--file", file, "--url", proxy.url, "--yes", "--json"]);
  assert.equal(replay.code, 0, shown(replay));
  assert.equal(writes(proxy).length, 0, "the replay writes nothing");
  const notes = JSON.parse(replay.stdout).plan.notes.map((n) => n.message);
  for (const event of ["h1", "u1", "t1"]) assert.ok(notes.some((m) => m.includes(`event ${event}`) && m.endsWith("already in effect")), `${event}: ${notes}`);

  // A malformed line refuses the whole file before any request, naming its line and field.
  writeFileSync(file, JSON.stringify(lines[0]) + "\n" + JSON.stringify({ ...lines[2], type: "fire" }) + "\n");
  proxy.clear();
  const bad = await cli(["events", "--file", file, "--url", proxy.url, "--yes"]);
  assert.equal(bad.code, 1, shown(bad));
  assert.match(bad.stderr, /line 2: `type`: unknown variant `fire`/, shown(bad));
  assert.equal(proxy.records.length, 0, "nothing sent");
});

test("events --mapping: people as an HR system words them, mapped groups joined on a hire", { timeout: 60_000 }, async (t) => {
  const { server } = await setup(t);
  const file = join(tmp, "hr-events.jsonl");
  const person = { "Work Email": "Gil@Example.com", "First Name": "Gil", "Last Name": "Mota", "Employee #": "E-9", "Job Title": "Buyer", Department: "Purchasing", Status: "Active" };
  const lines = [
    { id: "h1", type: "hire", timestamp: "2026-04-01T09:00:00Z", user: person },
    { id: "t1", type: "terminate", timestamp: "2026-05-01T17:00:00Z", user: { "Employee #": "E-9" } },
  ];
  const events = async (...chosen) => {
    writeFileSync(file, chosen.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const run = await cli(["events", "--file", file, "--mapping", "bamboohr", "--url", server.url, "--yes"]);
    assert.equal(run.code, 0, shown(run));
  };
  await events(lines[0]);
  const gil = await userNamed(server, "gil@example.com");
  assert.ok(gil, "the mapped userName is lower-cased, as the mapping says");
  assert.equal(gil.externalId, "E-9");
  assert.equal(gil.title, "Buyer");
  assert.equal(gil.active, true);
  const groups = await readAll(server, "Groups");
  assert.deepEqual(groups.map((g) => [g.displayName, g.members.length]), [["Purchasing", 1]]);
  // The termination names the person by employee number alone, found by externalId.
  await events(lines[1]);
  assert.equal((await userNamed(server, "gil@example.com")).active, false, "terminated by externalId");

  // A value outside the mapping's value map is a malformed line naming the HR field.
  writeFileSync(file, JSON.stringify({ ...lines[0], user: { ...person, Status: "Gone" } }) + "\n");
  const bad = await cli(["events", "--file", file, "--mapping", "bamboohr", "--url", server.url, "--yes"]);
  assert.equal(bad.code, 1, shown(bad));
  assert.match(bad.stderr, /line 1: `user\.Status`: "Gone" is not one of the mapped values/, shown(bad));
});

test("protected users refuse; hostile userNames find the right user", { timeout: 60_000 }, async (t) => {
  const { server, proxy } = await setup(t);
  await seedUser(server, "admin@example.com");
  const policy = join(tmp, "policy.json");
  writeFileSync(policy, JSON.stringify({ protectedUserNames: ["ADMIN@example.com"] }));
  const refused = await cli(["deprovision", "--user", "admin@example.com", "--policy", policy, "--url", proxy.url, "--yes"]);
  assert.equal(refused.code, 1, shown(refused));
  assert.match(refused.stderr, /outside the policy's scope or protected/, shown(refused));
  assert.equal(writes(proxy).length, 0);

  const hostile = ['o"brien@example.com', "back\\slash@example.com", "zoë@example.com"];
  for (const name of hostile) await seedUser(server, name);
  await seedUser(server, "obrien@example.com");
  for (const name of hostile) {
    const run = await cli(["deprovision", "--user", name.toUpperCase(), "--url", proxy.url, "--yes"]);
    assert.equal(run.code, 0, `${name}: ${shown(run)}`);
    assert.equal((await userNamed(server, name)).active, false, name);
  }
  assert.equal((await userNamed(server, "obrien@example.com")).active, true, "the decoy is untouched");
});

test("the facade: provision with groups, grant, deprovision, events with skipped lines, dry runs", { timeout: 60_000 }, async (t) => {
  const { Provisioner, readEvents, ScimProvisionError } = await import("../dist/node.js");
  const { server, proxy } = await setup(t);
  const p = new Provisioner({ baseUrl: proxy.url, token: TOKEN });

  const dry = await p.provision({ userName: "gia@example.com", title: "Analyst" }, { groups: ["Data"], dryRun: true });
  assert.equal(dry.status, "planned");
  assert.deepEqual(dry.plan.actions.map((a) => a.type), ["createUser", "createGroup"]);
  assert.equal(writes(proxy).length, 0);

  const made = await p.provision({ userName: "gia@example.com", title: "Analyst" }, { groups: ["Data"] });
  assert.equal(made.status, "applied", JSON.stringify(made));
  const gia = await userNamed(server, "gia@example.com");
  const [data] = await readAll(server, "Groups");
  assert.deepEqual(data.members.map((m) => m.value), [gia.id]);

  const again = await p.grant("GIA@example.com", "data");
  assert.equal(again.status, "applied");
  assert.equal(again.plan.actions.length, 0, "already a member");

  const off = await p.deprovision("gia@example.com");
  assert.equal(off.status, "applied");
  assert.equal((await userNamed(server, "gia@example.com")).active, false);

  // Events: a malformed line throws naming it, unless skipped.
  const text = [
    JSON.stringify({ id: "r1", type: "rehire", timestamp: "2026-05-01T09:00:00Z", user: { userName: "gia@example.com" } }),
    JSON.stringify({ id: "x1", type: "grant", timestamp: "2026-05-01T09:00:00Z", user: { userName: "gia@example.com" } }),
  ].join("\n");
  assert.throws(() => readEvents(text), (e) => e instanceof ScimProvisionError && e.kind === "desired-state" && /line 2: `group`/.test(e.message));
  await assert.rejects(p.events(text), /line 2/);
  const report = await p.events(text, { skipMalformed: true });
  assert.equal(report.status, "applied");
  assert.deepEqual(report.rejected.map((r) => [r.line, r.field]), [[2, "group"]]);
  assert.equal((await userNamed(server, "gia@example.com")).active, true, "rehired");
});
