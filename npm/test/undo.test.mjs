// The provisioning log and undo end to end (issue 21): `apply --log` against scim2-server
// writes the documented JSON Lines (never the token, even where a directory hides it), and
// `undo --log` brings the server back as it was, read back directly over HTTP: the user the
// run created deactivated (not deleted), titles, active flags, memberships and group names
// restored. A user changed by someone else since the run is a note and left alone, until
// `--force`. The facade's `onLog` and `undo` give the same.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { Provisioner } from "../dist/node.js";
import { runCli, shown } from "./lib/cli.mjs";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "undo-token-SECRET-0815";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const tmp = mkdtempSync(join(tmpdir(), "scim-undo-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cli = (args) => runCli(args, TOKEN);

async function call(server, method, path, body) {
  const res = await fetch(`${server.url}/${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, text);
  return text === "" ? null : JSON.parse(text);
}

const TITLES = { "ana@example.com": "Engineer", "bo@example.com": "Designer", "cy@example.com": "Operator" };
const CLERKS = ["u0@example.com", "u1@example.com", "u2@example.com", "u3@example.com"];

/** A server of seven users and two groups. */
async function seed(t) {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const ids = {};
  for (const [userName, title] of [...Object.entries(TITLES), ...CLERKS.map((u) => [u, "Clerk"])]) {
    ids[userName] = (await call(server, "POST", "Users", { schemas: [USER], userName, active: true, title })).id;
  }
  const members = (...names) => names.map((n) => ({ value: ids[n] }));
  await call(server, "POST", "Groups", { schemas: [GROUP], displayName: "Eng", externalId: "g-eng", members: members("ana@example.com", "bo@example.com") });
  await call(server, "POST", "Groups", { schemas: [GROUP], displayName: "Ops", externalId: "g-ops", members: members("cy@example.com") });
  return server;
}

/** The directory: a title changed, a user deactivated, one created (the token hidden in its
 * attributes), a group renamed, members moved. */
function directory() {
  const user = (userName, title, active = true) => ({ userName, title, active });
  const users = [
    user("ana@example.com", "Staff Engineer"),
    user("bo@example.com", "Designer", false),
    user("cy@example.com", "Operator"),
    { ...user("dee@example.com", `Bearer ${TOKEN}`), displayName: TOKEN, name: { givenName: `Authorization: ${TOKEN}` } },
    ...CLERKS.map((u) => user(u, "Clerk")),
  ];
  const groups = [
    { displayName: "Engineering", externalId: "g-eng", members: ["ana@example.com", "dee@example.com"] },
    { displayName: "Ops", externalId: "g-ops", members: ["cy@example.com", "ana@example.com"] },
  ];
  const file = join(tmp, `directory-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ users, groups }));
  return file;
}

/** What undo restores, read from the server directly: users' active flags and titles, and
 * groups' names and members by userName. */
async function snapshot(server) {
  const users = await readAll(server, "Users");
  const nameOf = (id) => users.find((u) => u.id === id)?.userName ?? id;
  return {
    users: Object.fromEntries(users.map((u) => [u.userName, { active: u.active !== false, title: u.title ?? null }])),
    groups: Object.fromEntries(
      (await readAll(server, "Groups")).map((g) => [g.id, { name: g.displayName, members: (g.members ?? []).map((m) => nameOf(m.value)).sort() }]),
    ),
  };
}

const records = (file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

test("apply --log writes the schema without the token; undo --log restores the server", { timeout: 120_000 }, async (t) => {
  const server = await seed(t);
  const before = await snapshot(server);
  const log = join(tmp, "run.jsonl");
  const applied = await cli(["apply", "--desired", directory(), "--url", server.url, "--yes", "--log", log]);
  assert.equal(applied.code, 0, shown(applied));

  const text = readFileSync(log, "utf8");
  assert.ok(!text.includes(TOKEN), text);
  const lines = records(log);
  for (const r of lines) assert.equal(r.schemaVersion, 1);
  assert.equal(lines[0].type, "header");
  assert.equal(lines[0].server, server.url);
  assert.equal(lines.at(-1).type, "footer");
  assert.equal(lines.at(-1).status, "applied");
  const actions = lines.filter((r) => r.type === "action");
  assert.equal(lines.at(-1).counts.applied, actions.length);
  const ana = actions.find((a) => a.subject === "ana@example.com");
  assert.deepEqual(ana.change.changes, [{ attribute: "title", before: "Engineer", after: "Staff Engineer" }]);
  const requests = lines.filter((r) => r.type === "request");
  assert.equal(lines.at(-1).requests, requests.length);
  assert.ok(requests.every((r) => typeof r.method === "string" && typeof r.path === "string" && r.headers === undefined));

  // Someone else changes ana after the run: undo leaves her alone and says so.
  const anaId = (await readAll(server, "Users")).find((u) => u.userName === "ana@example.com").id;
  await call(server, "PATCH", `Users/${anaId}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "title", value: "Principal" }] });

  const dry = await cli(["undo", "--log", log, "--url", server.url, "--dry-run", "--json"]);
  assert.equal(dry.code, 2, shown(dry));
  const plan = JSON.parse(dry.stdout);
  assert.ok(plan.digest, "an undo plan is an ordinary plan, with a digest");
  assert.match(plan.notes.find((n) => n.subject === "ana@example.com").message, /changed since the run \(title\)/);

  const undoLog = join(tmp, "undo.jsonl");
  const undone = await cli(["undo", "--log", log, "--url", server.url, "--yes", "--write-log", undoLog]);
  assert.equal(undone.code, 0, shown(undone));
  assert.equal(records(undoLog)[0].run, "undo");
  let now = await snapshot(server);
  assert.equal(now.users["ana@example.com"].title, "Principal");
  assert.deepEqual(now.groups, before.groups);
  assert.deepEqual(now.users["dee@example.com"], { active: false, title: `Bearer ${TOKEN}` });

  const forced = await cli(["undo", "--log", log, "--url", server.url, "--yes", "--force"]);
  assert.equal(forced.code, 0, shown(forced));
  now = await snapshot(server);
  const { "dee@example.com": dee, ...others } = now.users;
  assert.equal(dee.active, false, "the created user is deactivated, not deleted");
  assert.deepEqual(others, before.users);
  assert.deepEqual(now.groups, before.groups);

  const notALog = join(tmp, "not-a-log.jsonl");
  writeFileSync(notALog, '{"type":"header","schemaVersion":1,"runId":"r"}\nnot json\n');
  const refused = await cli(["undo", "--log", notALog, "--url", server.url, "--yes"]);
  assert.equal(refused.code, 1, shown(refused));
  assert.match(refused.stderr, /not-a-log\.jsonl, line 2: not JSON/);
});

test("the facade: onLog gets each line, undo plans the inverse", { timeout: 120_000 }, async (t) => {
  const server = await seed(t);
  const p = new Provisioner({ baseUrl: server.url, token: TOKEN });
  const lines = [];
  const desired = JSON.parse(readFileSync(directory(), "utf8"));
  const report = await p.sync(desired, { onLog: (line) => lines.push(line), runId: "facade-1" });
  assert.equal(report.status, "applied");
  assert.ok(lines.every((l) => !l.includes(TOKEN)));
  assert.equal(JSON.parse(lines[0]).runId, "facade-1");
  const undo = await p.undo(lines.join("\n"), { dryRun: true });
  assert.equal(undo.status, "planned");
  const kinds = undo.plan.actions.map((a) => a.type).sort();
  assert.deepEqual(kinds, ["addMembers", "deactivateUser", "reactivateUser", "removeMembers", "removeMembers", "renameGroup", "updateUser"]);
});
