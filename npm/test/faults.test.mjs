// The end-to-end fault-injection suite (issue 16): the `scim-provision` CLI, run as a
// subprocess, talks to scim2-server through the fault-injecting proxy of
// test/lib/fault-proxy.mjs (answers lost after the server committed, truncated bodies, 429s,
// 5xx, dropped sockets, listing lies, error answers echoing the bearer token, vendor quirks
// rewritten into the JSON, a filter parser that chokes on an escaped quote), and every
// verdict reads the server DIRECTLY (`readAll`, not through the proxy and not through the
// package) or the requests the proxy recorded.
//
// One test (or more) per item of the issue:
//   1. a create whose answer is lost or truncated after the commit is not duplicated
//   2. two server groups of one name block changes to it (guard ambiguousMatch); a unique
//      externalId still decides
//   3. an incomplete listing with --allow-blocked creates no duplicate of a hidden group
//   4. a token echoed in `detail`, a non-JSON body or a header is in no output or file
//   5. an edited plan file: true counts shown, edited actions and a changed server refused
//   6. `report` of an incomplete listing: warning, exit 3, HTML banner, `complete: false`
//   7. vendor quirks are coerced with one warning per attribute path
//   8. a lookup after a 409 answered 400 invalidFilter: its error shown, listing fallback
//   9. a CSV row with an empty `active` creates the user with `"active": true`
//   and a seeded soak of ~40 random faults across a 40-user, 5-group directory.
//
// Every test starts its own scim2-server and proxy (so tests share no state), has a
// timeout, and keeps Retry-After and page counts small: the file runs in about a minute.
// Page sizes are made small by rewriting the server's ServiceProviderConfig
// (`filter.maxResults`), which the engine's discovery honours.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chaos, startFaultProxy } from "./lib/fault-proxy.mjs";
import { readAll, startScimServer } from "./server.mjs";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));
const TOKEN = "fault-suite-secret-token-8086";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const tmp = mkdtempSync(join(tmpdir(), "scim-faults-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
/** Writes `text` to a new file in the temp directory; returns its path. */
function file(name, text) {
  const path = join(tmp, `${++files}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Runs the CLI; resolves to { code, stdout, stderr } (never rejects on a non-zero exit). */
function cli(args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN, ...env }, timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
    });
    child.stdin.end();
  });
}

/** What a run printed, for failure messages. */
const shown = (run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** A scim2-server and a proxy in front of it, both stopped when the test ends. */
async function world(t, rules = []) {
  const server = await startScimServer(TOKEN);
  t.after(() => server.stop());
  const proxy = await startFaultProxy(server, { rules });
  t.after(() => proxy.close());
  return { server, proxy, url: proxy.url };
}

/** Writes to the server directly (not through the proxy); resolves to the JSON answer. */
async function direct(server, method, target, body) {
  const res = await fetch(`${server.url}/${target}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${target}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
/** The name the directory CSV gives a userName ("ana.silva@..." is Ana Silva, as `csv` writes it). */
function nameOf(userName) {
  const [given, family] = userName.split("@")[0].split(".");
  return { givenName: given, familyName: family ?? "x" };
}
const createUser = (server, user) => direct(server, "POST", "Users", { schemas: [USER], active: true, name: nameOf(user.userName), ...user });
const createGroup = (server, displayName, memberIds = []) =>
  direct(server, "POST", "Groups", { schemas: [GROUP], displayName, members: memberIds.map((value) => ({ value })) });

/** A directory CSV: rows of { userName, title, groups: [...], active }. */
function csv(rows) {
  const cell = (v) => (/[",;\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = ["userName,givenName,familyName,title,active,groups"];
  for (const r of rows) {
    const { givenName, familyName } = nameOf(r.userName);
    lines.push([r.userName, givenName, familyName, r.title ?? "", r.active ?? "true", (r.groups ?? []).join(";")].map(cell).join(","));
  }
  return file("directory.csv", lines.join("\n") + "\n");
}

/** A rule making every listing page hold at most `n` resources (ServiceProviderConfig). */
const smallPages = (n) => ({
  name: "small pages",
  method: "GET",
  path: /^\/ServiceProviderConfig/,
  fault: "rewrite",
  rewrite: (spc) => {
    spc.filter = { ...spc.filter, maxResults: n };
  },
});

/** A fault function hitting only the first request for each subject (userName/displayName). */
function firstOfEach(spec) {
  const seen = new Set();
  return (req) => {
    const subject = req.json?.userName ?? req.json?.displayName;
    if (subject === undefined || seen.has(subject)) return null;
    seen.add(subject);
    return spec;
  };
}

/** The server's resources by name, read directly. */
async function state(server) {
  const users = await readAll(server, "Users");
  const groups = await readAll(server, "Groups");
  const byName = (list, key) => {
    const map = new Map();
    for (const r of list) map.set(r[key], [...(map.get(r[key]) ?? []), r]);
    return map;
  };
  return { users, groups, usersByName: byName(users, "userName"), groupsByName: byName(groups, "displayName") };
}

/** Asserts the server holds each directory group exactly once, with exactly its members. */
function assertGroups(st, wanted) {
  const idOf = new Map(st.users.map((u) => [u.userName, u.id]));
  for (const [name, members] of Object.entries(wanted)) {
    const found = st.groupsByName.get(name) ?? [];
    assert.equal(found.length, 1, `group ${name}: ${found.length} on the server (ids ${found.map((g) => g.id).join(", ")})`);
    const have = (found[0].members ?? []).map((m) => m.value).sort();
    const want = members.map((u) => idOf.get(u)).sort();
    assert.deepEqual(have, want, `members of ${name}`);
  }
}

/** Asserts no write went through the proxy. */
function assertNoWrites(proxy, since = 0) {
  const writes = proxy.records.slice(since).filter((r) => WRITES.has(r.method));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], "nothing written to the server");
}

describe("fault injection end to end: the CLI through a faulty proxy, the server read directly", { timeout: 170_000, concurrency: 3 }, () => {
  // ---------------------------------------------------------------- item 1
  test("item 1: POST /Groups answers lost after the commit create each group once", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url } = await world(t, [{ name: "lose first POST /Groups of each", method: "POST", path: /^\/Groups/, fault: firstOfEach({ fault: "lose-after-commit" }) }]);
    const dir = csv([
      { userName: "ana.silva@example.com", groups: ["Engineering", "Support"] },
      { userName: "ben.okafor@example.com", groups: ["Engineering"] },
      { userName: "chen.li@example.com", groups: ["Sales"] },
    ]);
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(proxy.requests("POST", /^\/Groups/).filter((r) => r.fault === "lose-after-commit").length, 3, "three answers were lost");
    const st = await state(server);
    assertGroups(st, { Engineering: ["ana.silva@example.com", "ben.okafor@example.com"], Support: ["ana.silva@example.com"], Sales: ["chen.li@example.com"] });
    assert.equal(apply.code, 0, shown(apply));
    const again = await cli(["plan", "--desired", dir, "--url", url]);
    assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);
  });

  test("item 1: truncated POST /Groups answers create each group once", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url } = await world(t, [{ name: "truncate first POST /Groups of each", method: "POST", path: /^\/Groups/, fault: firstOfEach({ fault: "truncate" }) }]);
    const dir = csv([
      { userName: "ana.silva@example.com", groups: ["Engineering"] },
      { userName: "ben.okafor@example.com", groups: ["Engineering", "Ops"] },
    ]);
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(proxy.requests("POST", /^\/Groups/).filter((r) => r.fault === "truncate").length, 2, "two answers were truncated");
    assertGroups(await state(server), { Engineering: ["ana.silva@example.com", "ben.okafor@example.com"], Ops: ["ben.okafor@example.com"] });
    assert.equal(apply.code, 0, shown(apply));
    const again = await cli(["plan", "--desired", dir, "--url", url]);
    assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);
  });

  test("item 1: POST /Users answers lost or truncated after the commit create each user once", { timeout: 60_000 }, async (t) => {
    const people = ["ana.silva", "ben.okafor", "chen.li", "dana.ruiz"].map((p) => `${p}@example.com`);
    // Ana's and Chen's first answers are lost, Ben's and Dana's truncated.
    const hit = new Set();
    const loseOrTruncate = (req) => {
      const userName = req.json?.userName;
      if (userName === undefined || hit.has(userName)) return null;
      hit.add(userName);
      return { fault: people.indexOf(userName) % 2 === 0 ? "lose-after-commit" : "truncate" };
    };
    const { server, proxy, url } = await world(t, [{ name: "lose or truncate first POST /Users of each", method: "POST", path: /^\/Users/, fault: loseOrTruncate }]);
    const dir = csv(people.map((userName) => ({ userName, title: "Engineer", groups: ["Engineering"] })));
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(proxy.requests("POST", /^\/Users/).filter((r) => r.fault !== "pass").length, 4, "four answers were lost or truncated");
    const st = await state(server);
    for (const name of people) {
      const found = st.usersByName.get(name) ?? [];
      assert.equal(found.length, 1, `${name}: ${found.length} on the server`);
      assert.equal(found[0].title, "Engineer");
    }
    assertGroups(st, { Engineering: people });
    assert.equal(apply.code, 0, shown(apply));
    const again = await cli(["plan", "--desired", dir, "--url", url]);
    assert.equal(again.code, 0, `a second plan is empty: ${shown(again)}`);
  });

  // ---------------------------------------------------------------- item 2
  test("item 2: two server groups of one name block changes to it (ambiguousMatch), and neither is touched", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url } = await world(t);
    const ana = await createUser(server, { userName: "ana.silva@example.com" });
    await createUser(server, { userName: "ben.okafor@example.com" });
    const g1 = await createGroup(server, "Engineering", [ana.id]);
    const g2 = await createGroup(server, "Engineering");
    const before = await readAll(server, "Groups");
    const dir = csv([
      { userName: "ana.silva@example.com", groups: ["Engineering"] },
      { userName: "ben.okafor@example.com", groups: ["Engineering"] },
    ]);

    const json = await cli(["plan", "--desired", dir, "--url", url, "--json"]);
    assert.notEqual(json.code, 1, shown(json));
    const plan = JSON.parse(json.stdout);
    const guard = plan.blocked.find((b) => b.guard === "ambiguousMatch");
    assert.ok(guard, `an ambiguousMatch guard in ${JSON.stringify(plan.blocked)}`);
    assert.ok(guard.reason.includes("Engineering") && guard.reason.includes(g1.id) && guard.reason.includes(g2.id), guard.reason);

    const text = await cli(["plan", "--desired", dir, "--url", url]);
    assert.match(text.stdout, /ambiguousMatch/, shown(text));
    assert.ok(text.stdout.includes(g1.id) && text.stdout.includes(g2.id), `both ids shown: ${shown(text)}`);

    const since = proxy.records.length;
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(apply.code, 1, shown(apply));
    assert.match(apply.stderr, /refusing a blocked plan/);
    assert.ok(apply.stderr.includes(g1.id) && apply.stderr.includes(g2.id), shown(apply));
    assertNoWrites(proxy, since);
    assert.deepEqual(await readAll(server, "Groups"), before, "neither group touched");
  });

  test("item 2: a unique externalId still decides between two groups of one name", { timeout: 60_000 }, async (t) => {
    const { server, url } = await world(t);
    const ana = await createUser(server, { userName: "ana.silva@example.com" });
    const ben = await createUser(server, { userName: "ben.okafor@example.com" });
    const ours = await direct(server, "POST", "Groups", { schemas: [GROUP], displayName: "Engineering", externalId: "ENG-1", members: [{ value: ana.id }] });
    const theirs = await createGroup(server, "Engineering", [ben.id]);
    const desired = file(
      "externalId.json",
      JSON.stringify({
        users: ["ana.silva@example.com", "ben.okafor@example.com"].map((userName) => ({ userName, name: nameOf(userName), active: true })),
        groups: [{ displayName: "Engineering", externalId: "ENG-1", members: ["ana.silva@example.com", "ben.okafor@example.com"] }],
      }),
    );
    const json = await cli(["plan", "--desired", desired, "--url", url, "--json"]);
    assert.equal(json.code, 2, shown(json));
    assert.deepEqual(JSON.parse(json.stdout).blocked, [], "no guard: the externalId matches one group");
    const apply = await cli(["apply", "--desired", desired, "--url", url, "--yes"]);
    assert.equal(apply.code, 0, shown(apply));
    const groups = await readAll(server, "Groups");
    const members = (id) => groups.find((g) => g.id === id).members.map((m) => m.value).sort();
    assert.deepEqual(members(ours.id), [ana.id, ben.id].sort(), "the group with the externalId is managed");
    assert.deepEqual(members(theirs.id), [ben.id], "the other is not touched");
  });

  // ---------------------------------------------------------------- item 3
  // Six groups on the server, listed two to a page; the proxy lies about the second page.
  const page = (n) => new RegExp(`^/Groups\\?(.*&)?startIndex=${n}(&|$)`);
  async function hiddenGroups(t, lies, check = () => {}) {
    const { server, proxy, url } = await world(t, [smallPages(2), ...lies]);
    const names = ["G1", "G2", "G3", "G4", "G5", "G6"];
    const people = ["ana.silva@example.com", "ben.okafor@example.com"];
    for (const userName of people) await createUser(server, { userName });
    for (const name of names) await createGroup(server, name);
    const dir = csv(people.map((userName) => ({ userName, groups: names })));
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--allow-blocked", "--yes"]);
    for (const lie of lies) assert.ok(proxy.records.some((r) => r.rule === lie.name), `the rule "${lie.name}" applied`);
    assert.match(apply.stdout + apply.stderr, /incomplete/i, `the listing is reported incomplete: ${shown(apply)}`);
    check(apply);
    const st = await state(server);
    for (const name of names) {
      const found = st.groupsByName.get(name) ?? [];
      assert.equal(found.length, 1, `group ${name}: ${found.length} on the server after --allow-blocked: ${shown(apply)}`);
    }
    // Memberships the directory wants are there (an incomplete listing removes none).
    const idOf = new Map(st.users.map((u) => [u.userName, u.id]));
    for (const g of st.groups) {
      const have = new Set((g.members ?? []).map((m) => m.value));
      for (const userName of people) assert.ok(have.has(idOf.get(userName)), `${userName} in ${g.displayName}`);
    }
  }

  test("item 3: a page of /Groups dropped from the listing: --allow-blocked creates no duplicate", { timeout: 60_000 }, (t) =>
    hiddenGroups(t, [
      {
        name: "the lie",
        method: "GET",
        path: page(3),
        fault: "rewrite",
        rewrite: (body) => {
          body.Resources = [];
          body.itemsPerPage = 0;
        },
      },
    ]));

  test("item 3: a page of /Groups repeating the first: --allow-blocked creates no duplicate", { timeout: 60_000 }, (t) => {
    let first = [];
    return hiddenGroups(t, [
      { name: "page 1 seen", method: "GET", path: page(1), fault: "rewrite", rewrite: (body) => void (first = structuredClone(body.Resources)) },
      { name: "the lie", method: "GET", path: page(3), fault: "rewrite", rewrite: (body) => void (body.Resources = structuredClone(first)) },
    ], (apply) => {
      // One id listed twice is one group listed twice, not two groups of one name.
      assert.doesNotMatch(apply.stdout + apply.stderr, /ambiguousMatch/, `a group repeated under its own id is not ambiguous: ${shown(apply)}`);
    });
  });

  // ---------------------------------------------------------------- item 4
  for (const echo of ["detail", "body", "header"]) {
    test(`item 4: a token echoed in the ${echo} of an error is in no output`, { timeout: 60_000 }, async (t) => {
      const { server, proxy, url } = await world(t, [
        smallPages(2),
        { name: "echo on create", method: "POST", path: /^\/Users/, fault: "echo-auth", echo },
        { name: "echo on page 2", method: "GET", path: /^\/Users\?(.*&)?startIndex=3(&|$)/, fault: "echo-auth", echo },
      ]);
      const existing = ["ana.silva", "ben.okafor", "chen.li", "dana.ruiz"].map((p) => `${p}@example.com`);
      for (const userName of existing) await createUser(server, { userName });
      const dir = csv([...existing, "eve.adams@example.com", "fay.wong@example.com"].map((userName) => ({ userName })));
      const html = join(tmp, `report-${echo}.html`);
      const json = join(tmp, `report-${echo}.json`);
      // Nothing the echoes answer reaches the server, so the runs can go side by side.
      const commands = {
        plan: ["plan", "--desired", dir, "--url", url],
        "plan --json": ["plan", "--desired", dir, "--url", url, "--json"],
        apply: ["apply", "--desired", dir, "--url", url, "--yes", "--allow-blocked"],
        "apply --json": ["apply", "--desired", dir, "--url", url, "--yes", "--allow-blocked", "--json"],
        "report --format html": ["report", "--url", url, "--desired", dir, "--format", "html", "--out", html],
        "report --format json": ["report", "--url", url, "--desired", dir, "--format", "json", "--out", json],
        report: ["report", "--url", url, "--desired", dir],
      };
      const runs = Object.fromEntries(await Promise.all(Object.entries(commands).map(async ([name, args]) => [name, await cli(args)])));
      assert.ok(proxy.records.filter((r) => r.fault === "echo-auth" && r.method === "POST").length > 0, "a create met the echo");
      assert.ok(proxy.records.filter((r) => r.fault === "echo-auth" && r.method === "GET").length > 0, "a listing page met the echo");
      const leaks = [];
      for (const [name, run] of Object.entries(runs)) {
        if (run.stdout.includes(TOKEN)) leaks.push(`the stdout of ${name}`);
        if (run.stderr.includes(TOKEN)) leaks.push(`the stderr of ${name}`);
      }
      for (const path of [html, json]) {
        let text = "";
        try {
          text = readFileSync(path, "utf8");
        } catch {
          // A report that failed wrote nothing, which leaks nothing either.
        }
        if (text.includes(TOKEN)) leaks.push(`the report file ${path}`);
      }
      const context = Object.entries(runs).map(([name, run]) => `===== ${name}\n${shown(run)}`).join("\n");
      assert.deepEqual(leaks, [], `the token leaked into:\n${context}`);
      // The failures are still shown, with the echoed value masked.
      assert.notEqual(runs.apply.code, 0, shown(runs.apply));
      if (echo !== "header") {
        assert.match(runs.apply.stdout + runs.apply.stderr, /\[redacted\]/, `the echoed value shows as [redacted]: ${shown(runs.apply)}`);
      }
    });
  }

  // ---------------------------------------------------------------- item 5
  async function reviewedPlan(t) {
    const w = await world(t);
    const staying = ["ana.silva", "ben.okafor", "dora.kim", "eli.moss"].map((p) => `${p}@example.com`);
    for (const userName of [...staying, "cy.leaver@example.com"]) {
      await createUser(w.server, { userName, title: userName.startsWith("ben") ? "Intern" : "Engineer" });
    }
    // ben's title changes, cy left: 1 user to update, 1 of 5 (under the 25 % cap) to deactivate.
    const dir = csv(staying.map((userName) => ({ userName, title: "Engineer" })));
    const planFile = join(tmp, `plan-${++files}.json`);
    const made = await cli(["plan", "--desired", dir, "--url", w.url, "--out", planFile]);
    assert.equal(made.code, 2, shown(made));
    return { ...w, dir, planFile, plan: JSON.parse(readFileSync(planFile, "utf8")) };
  }

  test("item 5: an edited plan file: the true count shown, an edited action refused, nothing written", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url, plan } = await reviewedPlan(t);
    assert.equal(plan.summary.deactivateUsers, 1);
    const before = await readAll(server, "Users");

    // The summary claims no deactivation: apply shows the count its actions make.
    const summaryEdited = file("plan-summary-edited.json", JSON.stringify({ ...plan, summary: { ...plan.summary, deactivateUsers: 0 } }));
    let since = proxy.records.length;
    const shownPlan = await cli(["apply", "--plan", summaryEdited, "--url", url]);
    assert.match(shownPlan.stdout, /1 user to deactivate/, shown(shownPlan));
    assertNoWrites(proxy, since);

    // An action removed (and the summary made to fit): refused as an edited file.
    const actions = plan.actions.filter((a) => a.type !== "deactivateUser");
    assert.equal(actions.length, plan.actions.length - 1);
    const actionEdited = file("plan-action-edited.json", JSON.stringify({ ...plan, actions, summary: { ...plan.summary, deactivateUsers: 0 } }));
    since = proxy.records.length;
    const refused = await cli(["apply", "--plan", actionEdited, "--url", url, "--yes"]);
    assert.equal(refused.code, 1, shown(refused));
    assert.match(refused.stdout + refused.stderr, /the plan file was edited/, shown(refused));
    assert.doesNotMatch(refused.stdout + refused.stderr, /the server changed/);
    assertNoWrites(proxy, since);

    // An action changed in place: refused the same way.
    const changed = structuredClone(plan);
    const update = changed.actions.find((a) => a.type === "updateUser");
    update.changes = update.changes.map((c) => ({ ...c, after: "Chief Executive" }));
    if (update.request?.body !== undefined) update.request.body = JSON.parse(JSON.stringify(update.request.body).replaceAll('"Engineer"', '"Chief Executive"'));
    since = proxy.records.length;
    const refusedChange = await cli(["apply", "--plan", file("plan-change-edited.json", JSON.stringify(changed)), "--url", url, "--yes"]);
    assert.equal(refusedChange.code, 1, shown(refusedChange));
    assert.match(refusedChange.stdout + refusedChange.stderr, /the plan file was edited/, shown(refusedChange));
    assertNoWrites(proxy, since);
    assert.deepEqual(await readAll(server, "Users"), before, "nothing written to the server");

    // The summary-edited plan, applied with --yes, announces the true count and does just that.
    const applied = await cli(["apply", "--plan", summaryEdited, "--url", url, "--yes"]);
    assert.match(applied.stdout, /1 user to deactivate/, shown(applied));
    assert.equal(applied.code, 0, shown(applied));
    const st = await state(server);
    assert.equal(st.usersByName.get("cy.leaver@example.com")[0].active, false);
    assert.equal(st.usersByName.get("ben.okafor@example.com")[0].title, "Engineer");
    assert.equal(st.usersByName.get("ana.silva@example.com")[0].active, true);
  });

  test("item 5: the server changed between plan and apply: refused as such, nothing written", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url, planFile } = await reviewedPlan(t);
    await createUser(server, { userName: "dan.new@example.com" });
    const before = await readAll(server, "Users");
    const since = proxy.records.length;
    const refused = await cli(["apply", "--plan", planFile, "--url", url, "--yes"]);
    assert.equal(refused.code, 1, shown(refused));
    assert.match(refused.stdout + refused.stderr, /the server changed since the plan was made/, shown(refused));
    assert.doesNotMatch(refused.stdout + refused.stderr, /the plan file was edited/);
    assertNoWrites(proxy, since);
    assert.deepEqual(await readAll(server, "Users"), before);
  });

  // ---------------------------------------------------------------- item 6
  test("item 6: report of an incomplete listing: a warning, exit 3, an HTML banner, complete: false", { timeout: 90_000 }, async (t) => {
    const { server, proxy, url } = await world(t, [smallPages(10), { name: "503 on page 2 of /Users", method: "GET", path: /^\/Users\?(.*&)?startIndex=11(&|$)/, fault: "status", status: 503 }]);
    for (let i = 1; i <= 25; i++) await createUser(server, { userName: `user${i}@example.com` });
    const html = join(tmp, "incomplete.html");
    const json = join(tmp, "incomplete.json");
    const [asHtml, asJson] = await Promise.all([
      cli(["report", "--url", url, "--format", "html", "--out", html]),
      cli(["report", "--url", url, "--format", "json", "--out", json]),
    ]);
    assert.ok(proxy.records.some((r) => r.rule === "503 on page 2 of /Users"), "page 2 was refused");
    for (const run of [asHtml, asJson]) {
      assert.equal(run.code, 3, shown(run));
      assert.match(run.stderr, /incomplete|not complete/i, `a warning line on stderr: ${shown(run)}`);
    }
    const report = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(report.complete, false);
    assert.ok(Array.isArray(report.incomplete) && report.incomplete.length > 0, JSON.stringify(report.incomplete));
    const page = readFileSync(html, "utf8");
    const banner = page.search(/incomplete/i);
    assert.ok(banner >= 0, "the HTML page says the listing is incomplete");
    const firstTable = page.indexOf("<table");
    assert.ok(banner < (firstTable < 0 ? page.length : firstTable), "the warning is at the top, before the first table");
  });

  // ---------------------------------------------------------------- item 7
  test("item 7: vendor quirks (numeric id, meta.version, members[].value; string totalResults) coerced with one warning per path", { timeout: 60_000 }, async (t) => {
    const { proxy, url } = await world(t);
    const dir = csv([
      { userName: "ana.silva@example.com", title: "Engineer", groups: ["Engineering", "Support"] },
      { userName: "ben.okafor@example.com", title: "Engineer", groups: ["Engineering"] },
      { userName: "chen.li@example.com", title: "Sales", groups: ["Support"] },
    ]);
    const setUp = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(setUp.code, 0, shown(setUp));

    // Hex ids become numbers, consistently for ids and the values that refer to them.
    const numbers = new Map();
    const numeric = (id) => {
      if (!numbers.has(id)) numbers.set(id, 1000 + numbers.size);
      return numbers.get(id);
    };
    const quirky = (r) => {
      r.id = numeric(r.id);
      if (r.meta?.version) r.meta.version = Number(String(r.meta.version).replace(/\D/g, ""));
      for (const m of r.members ?? []) m.value = numeric(m.value);
      for (const g of r.groups ?? []) g.value = numeric(g.value);
    };
    proxy.add({
      name: "vendor quirks",
      method: "GET",
      path: /^\/(Users|Groups)/,
      fault: "rewrite",
      rewrite: (body) => {
        if (Array.isArray(body.Resources)) {
          body.totalResults = String(body.totalResults);
          body.Resources.forEach(quirky);
        } else if (body.id) {
          quirky(body);
        }
      },
    });
    const run = await cli(["plan", "--desired", dir, "--url", url]);
    assert.ok(proxy.records.some((r) => r.rule === "vendor quirks"), "the quirks were served");
    assert.equal(run.code, 0, `the plan succeeds and finds nothing to change: ${shown(run)}`);
    const paths = run.stderr
      .split("\n")
      .map((line) => /warning.*coerced (\S+)/.exec(line)?.[1]?.replace(/^[`'"]|[`'",:]+$/g, ""))
      .filter(Boolean);
    const count = (suffix) => paths.filter((p) => p === suffix || p.endsWith(`.${suffix}`)).length;
    for (const attribute of ["id", "meta.version", "members[].value", "totalResults"]) {
      assert.equal(count(attribute), 1, `one warning for ${attribute} in:\n${run.stderr}`);
    }
    assert.equal(new Set(paths).size, paths.length, `one warning per path:\n${run.stderr}`);
  });

  // ---------------------------------------------------------------- item 8
  test("item 8: the lookup after a 409 answered 400 invalidFilter: its error shown, the user adopted from the listing", { timeout: 60_000 }, async (t) => {
    const quoted = 'o"hara@example.com';
    const { server, proxy, url } = await world(t, [
      {
        name: "someone creates o\"hara first",
        method: "POST",
        path: /^\/Users/,
        when: (req) => req.json?.userName === quoted,
        nth: 1,
        fault: "pass",
        before: () => createUser(server, { userName: quoted, title: "Old title" }),
      },
      { name: "invalidFilter on an escaped quote", path: /^\/Users/, fault: "filter-400" },
    ]);
    const dir = csv([
      { userName: quoted, title: "Engineer" },
      { userName: "ben.okafor@example.com", title: "Engineer" },
    ]);
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    const creates = proxy.requests("POST", /^\/Users/).filter((r) => r.json?.userName === quoted);
    assert.equal(creates[0]?.status, 409, "the create met a 409");
    assert.ok(proxy.records.some((r) => r.fault === "filter-400"), "the lookup met the 400");
    assert.match(apply.stdout + apply.stderr, /invalidFilter/, `the lookup's own error is shown: ${shown(apply)}`);
    const found = (await state(server)).usersByName.get(quoted) ?? [];
    assert.equal(found.length, 1);
    assert.equal(found[0].title, "Engineer", `adopted through the listing and updated: ${shown(apply)}`);
  });

  // ---------------------------------------------------------------- item 9
  test("item 9: a CSV row with an empty active column creates the user with active: true", { timeout: 60_000 }, async (t) => {
    const { server, proxy, url } = await world(t);
    const dir = file("empty-active.csv", "userName,givenName,familyName,active\nana.silva@example.com,Ana,Silva,\n");
    const apply = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
    assert.equal(apply.code, 0, shown(apply));
    const [create] = proxy.requests("POST", /^\/Users/);
    assert.ok(create, "a POST /Users was sent");
    assert.equal(create.json.active, true, `the create body: ${create.body}`);
    assert.equal((await readAll(server, "Users"))[0].active, true);
  });

  // ---------------------------------------------------------------- soak
  test("soak: ~40 seeded random faults across a 40-user, 5-group directory converge on exactly the directory", { timeout: 120_000 }, async (t) => {
    const soak = chaos({ seed: 16, budget: 60, probability: 0.4, perRequest: 2 });
    const { server, proxy, url } = await world(t);
    const groups = ["Engineering", "Support", "Sales", "Finance", "Ops"];
    const people = Array.from({ length: 40 }, (_, i) => ({
      userName: `person${String(i + 1).padStart(2, "0")}@example.com`,
      title: i % 3 === 0 ? "Lead" : "Engineer",
      groups: [groups[i % 5], ...(i % 4 === 0 ? [groups[(i + 1) % 5]] : [])],
    }));
    // The server before: 10 of them with drifted titles, 3 leavers, 2 of the groups with a
    // leaver and a wrong member in them.
    const ids = new Map();
    for (const p of people.slice(0, 10)) ids.set(p.userName, (await createUser(server, { userName: p.userName, title: "Drifted" })).id);
    const leavers = ["leaver1@example.com", "leaver2@example.com", "leaver3@example.com"];
    for (const userName of leavers) ids.set(userName, (await createUser(server, { userName, title: "Gone" })).id);
    await createGroup(server, "Engineering", [ids.get("leaver1@example.com"), ids.get(people[1].userName)]);
    await createGroup(server, "Support", [ids.get("leaver2@example.com")]);
    const dir = csv(people);

    proxy.add({ name: "chaos", fault: soak.fault });
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const run = await cli(["apply", "--desired", dir, "--url", url, "--yes"]);
      runs.push(run);
      if (run.code === 0) break;
    }
    const log = runs.map(shown).join("\n=====\n");
    assert.ok(soak.tally.total >= 30, `at least 30 faults injected: ${JSON.stringify(soak.tally)}`);
    const hit = {};
    for (const r of proxy.records.filter((r) => r.fault !== "pass")) {
      const key = `${r.method} /${r.path.split(/[/?]/)[1]} ${r.fault}`;
      hit[key] = (hit[key] ?? 0) + 1;
    }
    t.diagnostic(`faults: ${JSON.stringify(hit)}; apply runs exited ${runs.map((r) => r.code).join(", ")}`);

    const st = await state(server);
    for (const p of people) {
      const found = st.usersByName.get(p.userName) ?? [];
      assert.equal(found.length, 1, `${p.userName}: ${found.length} on the server\n${log}`);
      assert.equal(found[0].active, true, `${p.userName} is active`);
      assert.equal(found[0].title, p.title, `${p.userName}'s title`);
    }
    for (const userName of leavers) {
      const found = st.usersByName.get(userName) ?? [];
      assert.equal(found.length, 1, userName);
      assert.equal(found[0].active, false, `${userName} is deactivated`);
    }
    assert.equal(st.users.length, people.length + leavers.length, "no other user on the server");
    assert.equal(st.groups.length, groups.length, `no other group on the server: ${st.groups.map((g) => g.displayName).join(", ")}`);
    assertGroups(
      st,
      Object.fromEntries(groups.map((g) => [g, people.filter((p) => p.groups.includes(g)).map((p) => p.userName)])),
    );
    assert.equal(runs[runs.length - 1].code, 0, log);
    proxy.clear();
    const again = await cli(["plan", "--desired", dir, "--url", url]);
    assert.equal(again.code, 0, `a plan after the soak is empty: ${shown(again)}`);
  });
});
