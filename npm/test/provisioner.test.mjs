// The npm package against a real SCIM server (scim2-server): plan, apply, re-plan, read the
// server back; errors keep their structure; abort reports what was done.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  checkPlan,
  Engine,
  Provisioner,
  ScimProvisionError,
  filterEq,
  parseDesiredCsv,
  parseDesiredJson,
  parseFilter,
  plan,
  profile,
  profileNames,
  redactToken,
} from "../dist/node.js";
import { startEchoServer } from "./echo-server.mjs";
import { readAll, startScimServer } from "./server.mjs";

const USERS = 1000;
const GROUPS = 50;

function directory() {
  const users = [];
  for (let i = 0; i < USERS; i++) {
    users.push({
      userName: `user${String(i).padStart(4, "0")}@example.com`,
      externalId: `E${i}`,
      name: { givenName: `Given${i}`, familyName: `Family ${i} "Q"` },
      title: i % 3 ? "Engineer" : "Manager",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: `Dept ${i % 7}`, costCenter: `CC-${i % 11}` },
    });
  }
  const groups = [];
  for (let g = 0; g < GROUPS; g++) {
    const members = [];
    for (let k = 0; k < 40; k++) members.push(users[(g * 37 + k * 11) % USERS].userName);
    groups.push({ displayName: `Team ${g} <"${g}">`, members: [...new Set(members)] });
  }
  return { users, groups };
}

describe("Provisioner against scim2-server", () => {
  let server;
  before(async () => {
    server = await startScimServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("plan, apply and re-plan 1,000 users and 50 groups", { timeout: 600_000 }, async () => {
    const desired = directory();
    const p = new Provisioner({ baseUrl: server.url, profile: "generic", token: server.token, maxInFlight: 8 });
    const events = [];
    const planned = await p.plan(desired, { onProgress: (e) => events.push(e.type) });
    assert.equal(planned.summary.createUsers, USERS);
    assert.equal(planned.summary.createGroups, GROUPS);
    assert.ok(planned.summary.addMembers > GROUPS * 30);
    assert.deepEqual(planned.blocked, []);
    assert.ok(events.includes("planned"));

    const report = await p.apply(planned);
    assert.equal(report.status, "applied", JSON.stringify(report.outcomes.filter((o) => o.result.status !== "applied").slice(0, 3)));
    assert.equal(report.outcomes.length, planned.actions.length);

    // The server holds the directory.
    const users = await readAll(server, "Users");
    assert.equal(users.length, USERS);
    const byName = new Map(users.map((u) => [u.userName, u]));
    assert.equal(byName.get("user0003@example.com").name.familyName, 'Family 3 "Q"');
    assert.equal(byName.get("user0003@example.com")["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].department, "Dept 3");
    const groups = await readAll(server, "Groups");
    assert.equal(groups.length, GROUPS);
    const team0 = groups.find((g) => g.displayName === 'Team 0 <"0">');
    const wantIds = new Set(desired.groups[0].members.map((n) => byName.get(n).id));
    assert.deepEqual(new Set((team0.members ?? []).map((m) => m.value)), wantIds);

    // Planning again changes nothing.
    const again = await p.plan(desired);
    assert.equal(again.actions.length, 0, JSON.stringify(again.actions.slice(0, 2)));
  });

  test("an edited plan is refused before any request; checkPlan recomputes its figures", async () => {
    const desired = { users: [{ userName: "edit@example.com" }] };
    let requests = 0;
    const counting = (url, init) => {
      requests++;
      return fetch(url, init);
    };
    const p = new Provisioner({ baseUrl: server.url, token: server.token });
    const planned = await p.plan(desired, { fetch: counting });
    assert.match(planned.digest, /^[0-9a-f]{64}$/);
    const shown = checkPlan({ ...planned, summary: { ...planned.summary, createUsers: 0 } });
    assert.equal(shown.summary.createUsers, 1);
    const edited = structuredClone(planned);
    edited.actions[0].user.title = "Sneaked in";
    const before = requests;
    await assert.rejects(p.apply(edited, { desired, fetch: counting }), (e) => {
      assert.ok(e instanceof ScimProvisionError);
      assert.equal(e.kind, "plan");
      assert.equal(e.code, "planEdited");
      assert.equal(e.message, "the plan file was edited after it was made (its actions or guards no longer match its digest)");
      return true;
    });
    assert.equal(requests, before, "nothing was sent");
    assert.equal((await readAll(server, "Users")).filter((u) => u.userName === "edit@example.com").length, 0);
  });

  test("a wrong token is a clear, structured error", async () => {
    const p = new Provisioner({ baseUrl: server.url, token: "wrong" });
    await assert.rejects(p.plan({ users: [] }), (e) => {
      assert.ok(e instanceof ScimProvisionError);
      assert.equal(e.kind, "server");
      assert.equal(e.status, 401);
      assert.match(e.message, /HTTP 401/);
      assert.ok(!e.message.includes("wrong"), "the token never appears in errors");
      return true;
    });
  });

  test("abort stops the run and reports what was done", async () => {
    const desired = { users: Array.from({ length: 50 }, (_, i) => ({ userName: `abort${i}@example.com` })) };
    const p = new Provisioner({ baseUrl: server.url, token: server.token, maxInFlight: 1, policy: { offboarding: "leave" } });
    const controller = new AbortController();
    let applied = 0;
    const report = await p.sync(desired, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "actionDone" && ++applied === 5) controller.abort();
      },
    });
    assert.equal(report.status, "aborted");
    const done = report.outcomes.filter((o) => o.result.status === "applied").length;
    assert.ok(done >= 5 && done < 50, `${done} applied`);
    assert.ok(report.outcomes.some((o) => o.result.status === "notRun"));
  });

  test("a stop waits for the writes in flight, and no longer than stopGraceMs", async () => {
    const desired = { users: Array.from({ length: 8 }, (_, i) => ({ userName: `grace${i}@example.com` })) };
    for (const hang of [false, true]) {
      const controller = new AbortController();
      let posts = 0;
      // Each create is held 150 ms (or forever, until the run ends); the stop comes with 4 in flight.
      const slow = (url, init) => {
        if (init.method !== "POST") return fetch(url, init);
        if (++posts === 4) setTimeout(() => controller.abort(), 20);
        if (hang) return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted"))));
        return new Promise((resolve) => setTimeout(resolve, 150)).then(() => fetch(url, init));
      };
      const p = new Provisioner({ baseUrl: server.url, token: server.token, maxInFlight: 4, stopGraceMs: 300, policy: { offboarding: "leave" } });
      const started = Date.now();
      const report = await p.sync(desired, { signal: controller.signal, fetch: slow });
      assert.equal(report.status, "aborted");
      assert.equal(posts, 4, "nothing sent after the stop");
      const applied = report.outcomes.filter((o) => o.result.status === "applied").length;
      assert.equal(applied, hang ? 0 : 4, hang ? "unanswered writes are not counted done" : "the writes in flight were awaited");
      assert.ok(Date.now() - started < 5_000, "the stop is bounded");
    }
  });

  test("a request that never answers times out and is retried by the engine", async () => {
    let hung = 0;
    // The first two listing requests hang until aborted; the rest go through.
    const stalling = (url, init) => {
      if (String(url).includes("/Users?") && hung < 2) {
        hung++;
        return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason ?? new Error("aborted"))));
      }
      return fetch(url, init);
    };
    // Its own empty server: the shared one holds the 1,000 users of the first test by now,
    // and listing them took scim2-server over 2 s on a loaded machine. The timeout is long
    // enough that the real requests never time out (200 ms did, under parallel builds); the
    // hung ones time out all the same.
    const empty = await startScimServer();
    try {
      const p = new Provisioner({ baseUrl: empty.url, token: empty.token, requestTimeoutMs: 2_000 });
      const planned = await p.plan({ users: [{ userName: "user0001@example.com", externalId: "E1" }] }, { fetch: stalling });
      assert.equal(hung, 2);
      assert.equal(planned.summary.createUsers, 1);
    } finally {
      await empty.stop();
    }
  });

  test("any fetch works, including a wrapper that adds auth", async () => {
    const seen = [];
    const wrapped = (url, init) => {
      seen.push(url);
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${server.token}`);
      return fetch(url, { ...init, headers });
    };
    const p = new Provisioner({ baseUrl: server.url });
    const planned = await p.plan({ users: [{ userName: "user0001@example.com", externalId: "E1" }] }, { fetch: wrapped });
    assert.ok(seen.length >= 3);
    assert.ok(Array.isArray(planned.actions));
  });
});

describe("codec, planner and errors without a server", () => {
  test("structured errors for bad directories", () => {
    assert.throws(() => parseDesiredCsv("userName,active\na@x.com,maybe\n,true\n"), (e) => {
      assert.ok(e instanceof ScimProvisionError);
      assert.equal(e.kind, "desired-state");
      assert.deepEqual(e.rows.map((r) => r.row), [2, 3]);
      return true;
    });
    assert.throws(() => parseDesiredJson('{"users":[{"userName":"a","active":"x"}]}'), (e) => e.path === "users[0].active");
    assert.throws(() => parseFilter('userName eq "unterminated'), (e) => e.kind === "filter" && e.offset === 12);
    assert.throws(() => new Engine({ basePath: "no-slash", profile: { name: "x" }, mode: { mode: "planOnly" } }, { users: [] }), ScimProvisionError);
    assert.throws(() => new Provisioner({ baseUrl: "http://x", profile: "nope" }), /unknown profile/);
  });

  test("text of any size and script crosses into the core intact", () => {
    // Long enough that the ASCII guess for the buffer runs out before the accents and the
    // emoji, so the copy into WebAssembly continues in a second step.
    const names = ["zoë@x.com", "øøø@x.com", "😀@x.com", `${"x".repeat(70_000)}é😀@x.com`, "ab"];
    const desired = parseDesiredJson(JSON.stringify({ users: names.map((userName) => ({ userName })) }));
    assert.deepEqual(desired.users.map((u) => u.userName), names);
    // A lone surrogate is not Unicode: it arrives as U+FFFD, like everywhere in wasm-bindgen.
    const csv = parseDesiredCsv("userName,givenName\nlone\uD800@x.com,Zoë😀\n");
    assert.equal(csv.users[0].userName, "lone\uFFFD@x.com");
    assert.equal(csv.users[0].name.givenName, "Zoë😀");
  });

  test("filters are escaped and parse back", () => {
    const f = filterEq("userName", 'x") or (userName pr');
    assert.equal(f, 'userName eq "x\\") or (userName pr"');
    assert.equal(parseFilter(f).Compare.value.Str, 'x") or (userName pr');
  });

  test("pure planning and the low-level engine", () => {
    assert.ok(profileNames().includes("airtable"));
    const p = plan({ users: [{ userName: "a@x.com" }] }, { users: [], groups: [], complete: true }, { basePath: "/scim/v2", profile: "airtable" });
    assert.equal(p.summary.createUsers, 1);
    assert.equal(p.actions[0].request.path, "/scim/v2/Users");
    const fast = plan(JSON.stringify({ users: [{ userName: "a@x.com" }] }), JSON.stringify({ users: [], groups: [], complete: true }), { profile: "airtable" });
    assert.equal(fast.summary.createUsers, 1);

    const engine = new Engine({ basePath: "/scim/v2", profile: profile("airtable"), mode: { mode: "planOnly" } }, { users: [] });
    const out = engine.pollOutput(0);
    assert.equal(out.type, "send");
    assert.equal(out.request.method, "GET");
    assert.throws(() => engine.handleInput({ type: "response", id: 999, response: { status: 200, headers: [], body: "" } }, 0), (e) => e.kind === "engine" && e.code === "unknownRequest");
  });
});

describe("the facade never hands out the token", () => {
  const TOKEN = "facade-secret-5f3c9a";
  const desired = { users: [{ userName: "ana@example.com" }, { userName: "bo@example.com" }], groups: [{ displayName: "Team", members: ["ana@example.com"] }] };
  const holds = (value) => JSON.stringify(value).includes(TOKEN);

  for (const echo of ["detail", "html", "header"]) {
    test(`events, plans, run reports and reports (echo in ${echo})`, async () => {
      const server = await startEchoServer({ echo });
      try {
        const p = new Provisioner({ baseUrl: server.url, token: TOKEN });
        const events = [];
        const onProgress = (e) => events.push(e);
        const planned = await p.plan(desired, { onProgress });
        const run = await p.sync(desired, { onProgress });
        const report = await p.report({ desired, onProgress });
        assert.ok(run.outcomes.some((o) => o.result.status === "failed"), JSON.stringify(run.outcomes[0]));
        for (const [name, value] of Object.entries({ events, planned, run, report: report.report, users: report.users, plan: report.plan, html: report.toHtml(), csv: report.toCsv() })) {
          assert.ok(!holds(value), `${name} holds the token`);
        }
        if (echo !== "header") {
          // The bare token (which the core cannot recognise) was there, and went.
          assert.match(JSON.stringify(run), /token \[redacted\]|token=\[redacted\]/);
          assert.ok(events.some((e) => e.type === "warning" && e.message.includes("[redacted]")));
        }
      } finally {
        await server.stop();
      }
    });
  }

  test("redactToken: deep, copy on write, errors rebuilt", () => {
    const untouched = { users: [{ userName: "ana" }], n: 1 };
    assert.equal(redactToken(untouched, TOKEN), untouched);
    const value = { a: [`x ${TOKEN} y`, { b: TOKEN }], keep: untouched, n: 2 };
    const clean = redactToken(value, TOKEN);
    assert.deepEqual(clean, { a: ["x [redacted] y", { b: "[redacted]" }], keep: untouched, n: 2 });
    assert.equal(clean.keep, untouched);
    assert.equal(value.a[0], `x ${TOKEN} y`, "the input is not changed");
    const error = new ScimProvisionError({ kind: "server", message: `no: ${TOKEN}`, detail: TOKEN, data: { detail: TOKEN } }, { cause: new Error(TOKEN) });
    const redacted = redactToken(error, TOKEN);
    assert.ok(redacted instanceof ScimProvisionError);
    assert.equal(redacted.message, "no: [redacted]");
    assert.ok(!JSON.stringify(redacted).includes(TOKEN) && !redacted.stack.includes(TOKEN) && redacted.cause === undefined);
    const innocent = new ScimProvisionError({ kind: "server", message: "fine" });
    assert.equal(redactToken(innocent, TOKEN), innocent);
    assert.equal(redactToken(value, ""), value);
    assert.equal(redactToken("a tiny token", "t"), "a tiny token", "too short to search for");
  });

  test("thrown errors: message, fields, record and stack", async () => {
    const server = await startEchoServer({ echo: "detail", deny: true });
    try {
      const p = new Provisioner({ baseUrl: server.url, token: TOKEN });
      for (const call of [() => p.plan(desired), () => p.sync(desired), () => p.report()]) {
        await assert.rejects(call(), (e) => {
          assert.ok(e instanceof ScimProvisionError);
          assert.equal(e.status, 401);
          assert.match(e.detail, /\[redacted\]/);
          for (const text of [e.message, e.detail, e.stack, JSON.stringify(e), JSON.stringify(e.toJSON()), String(e.cause ?? "")]) {
            assert.ok(!text.includes(TOKEN), text);
          }
          return true;
        });
      }
    } finally {
      await server.stop();
    }
  });
});

describe("a report from an incomplete listing", () => {
  test("says so: complete false, the reasons, the HTML banner", async () => {
    const server = await startEchoServer({ echo: "none", incomplete: true });
    try {
      const p = new Provisioner({ baseUrl: server.url, token: "t0ken-incomplete" });
      const result = await p.report();
      assert.equal(result.report.complete, false);
      assert.match(result.report.incomplete.join(" "), /listed twice/);
      const html = result.toHtml();
      assert.ok(html.indexOf('<div id="incomplete"') > 0 && html.indexOf('<div id="incomplete"') < html.indexOf('<section id="seats">'));
    } finally {
      await server.stop();
    }
  });
});
