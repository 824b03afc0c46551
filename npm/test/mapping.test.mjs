// HR exports through attribute mappings, end to end (issue 20): the `scim-provision` CLI
// previews a Workday export offline (`map`), then plans and applies it into scim2-server
// through the built-in `workday` mapping with a scope written as a SCIM filter; the server
// is read back directly. A row that does not map is named with its row and column, and
// refuses the export before any request.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";

import { mapPreview, parseDesired } from "../dist/node.js";
import { runCli, shown } from "./lib/cli.mjs";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "mapping-test-token-5150";
const WORKDAY = fileURLToPath(new URL("../../tests/fixtures/mapping/workday.csv", import.meta.url));
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const tmp = mkdtempSync(join(tmpdir(), "scim-mapping-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args) => runCli(args, TOKEN);

test("map previews a Workday export offline: users, groups, scope and no errors", async () => {
  const run = await cli(["map", "--desired", WORKDAY, "--mapping", "workday", "--scope", 'userType eq "Employee"', "--json"]);
  assert.equal(run.code, 0, shown(run));
  const preview = JSON.parse(run.stdout);
  assert.deepEqual([preview.records, preview.mapped, preview.inScope], [5, 5, 4]);
  assert.deepEqual(preview.outOfScope, ["zoe.angstrom@example.com"], "the contingent worker is a Contractor");
  assert.equal(preview.errors.length, 0);
  const human = await cli(["map", "--desired", WORKDAY, "--mapping", "workday"]);
  assert.equal(human.code, 0, shown(human));
  assert.match(human.stdout, /Mapped 5 of 5 records: 5 in scope, 0 out of scope, 4 groups/);
  assert.match(human.stdout, /ana\.silva@example\.com/);
});

test("a row that does not map is named with its row and column, and plan refuses the export", async () => {
  const bad = join(tmp, "workday-bad.csv");
  writeFileSync(bad, readFileSync(WORKDAY, "utf8") + "21006,Rae,Doe,,rae.doe@example.com,Analyst,Employee,Sabbatical,CC-1 X,Finance,,,2020-01-01,\n");
  const preview = await cli(["map", "--desired", bad, "--mapping", "workday"]);
  assert.equal(preview.code, 1, shown(preview));
  assert.match(preview.stdout, /row 7, column "Worker Status": "Sabbatical" is not one of the mapped values/);
  const plan = await cli(["plan", "--desired", bad, "--mapping", "workday", "--url", "http://127.0.0.1:9"]);
  assert.equal(plan.code, 1, shown(plan));
  assert.match(plan.stderr, /row 7, column "Worker Status"/);
  // A mapping that is neither built in nor a file is refused, naming the built-in ones.
  const unknown = await cli(["map", "--desired", WORKDAY, "--mapping", "sap"]);
  assert.equal(unknown.code, 1, shown(unknown));
  assert.match(unknown.stderr, /workday/);
});

test("plan and apply read the export through the mapping; the scope leaves the contractor alone", { timeout: 60_000 }, async (t) => {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const scope = ["--mapping", "workday", "--scope", 'userType eq "Employee"'];
  const planned = await cli(["plan", "--desired", WORKDAY, ...scope, "--url", server.url, "--json"]);
  assert.equal(planned.code, 2, shown(planned));
  const plan = JSON.parse(planned.stdout);
  // Four employees, one of them terminated: a terminated worker the server does not hold is
  // not created.
  assert.equal(plan.summary.createUsers, 3, shown(planned));
  assert.ok(plan.notes.some((n) => n.subject === "zoe.angstrom@example.com"), "the out-of-scope user is a note");

  const applied = await cli(["apply", "--desired", WORKDAY, ...scope, "--url", server.url, "--yes"]);
  assert.equal(applied.code, 0, shown(applied));
  const users = await readAll(server, "Users");
  assert.deepEqual(users.map((u) => u.userName).sort(), ["ana.silva@example.com", "ben.okafor@example.com", "chen.li@example.com"]);
  const ana = users.find((u) => u.userName === "ana.silva@example.com");
  assert.equal(ana.externalId, "21001");
  assert.equal(ana[ENTERPRISE].costCenter, "CC-1100");
  const groups = await readAll(server, "Groups");
  assert.ok(groups.some((g) => g.displayName === "Platform Engineering" && (g.members ?? []).some((m) => m.value === ana.id)));
  const again = await cli(["plan", "--desired", WORKDAY, ...scope, "--url", server.url]);
  assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);

  // The admin-panel CSV that `report` writes (here with a byte-order mark for spreadsheet
  // programs) is accepted as a directory: planned against the server it came from, it
  // changes nothing.
  const report = await cli(["report", "--url", server.url, "--format", "csv", "--bom"]);
  assert.equal(report.code, 0, shown(report));
  assert.ok(report.stdout.startsWith("\ufeffExternal ID,"), "the export starts with a byte-order mark");
  const exported = join(tmp, "admin-panel.csv");
  writeFileSync(exported, report.stdout);
  const replanned = await cli(["plan", "--desired", exported, "--url", server.url, "--json"]);
  assert.equal(replanned.code, 0, shown(replanned));

  // The lifecycle commands take --scope too: an employee is outside a contractors-only scope.
  const outside = await cli(["deprovision", "--user", "ana.silva@example.com", "--scope", 'userType eq "Contractor"', "--url", server.url, "--dry-run", "--json"]);
  assert.equal(outside.code, 1, shown(outside));
  assert.deepEqual(JSON.parse(outside.stdout).blocked.map((b) => b.guard), ["outOfScope"]);
  const inside = await cli(["deprovision", "--user", "ana.silva@example.com", "--scope", 'userType eq "Employee"', "--url", server.url, "--dry-run", "--json"]);
  assert.equal(inside.code, 2, shown(inside));
});

test("the facade and the low-level preview take the same mappings", () => {
  const bytes = readFileSync(WORKDAY);
  const state = parseDesired(bytes, { fileName: "workday.csv", mapping: "workday" });
  assert.equal(state.users.length, 5);
  const custom = { users: { userName: { from: "Work Email", case: "lower" }, title: "Business Title" } };
  const preview = mapPreview(bytes, "workday.csv", custom, { limit: 2 });
  assert.deepEqual([preview.mapped, preview.users.length], [5, 2]);
  assert.equal(preview.users[0].title, "Senior Software Engineer");
});
