// What a new user of the facade trips on (issue 24 item 4): a call before the web entry's
// init() resolved, a directory given as CSV text, and an apply that is refused or only partly
// applied (resolved with its report, not thrown: only a failed run throws).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

// The web entry, in Node: nothing is instantiated until init() resolves.
import { init, parseDesiredCsv, Provisioner, ScimProvisionError } from "../dist/web.js";
import { readAll, startScimServer } from "./server.mjs";

const wasmBytes = readFileSync(new URL("../wasm/scim_provision_js_bg.wasm", import.meta.url));
const others = { reports: readFileSync(new URL("../wasm/scim_provision_report_js_bg.wasm", import.meta.url)) };

test("a call before init() resolved says to call and await init() first", async () => {
  const notInitialised = (e) =>
    e instanceof ScimProvisionError && e.kind === "not-initialised" && e.code === "notInitialised" && /call and await init\(\) first/.test(e.message);
  assert.throws(() => parseDesiredCsv("userName\nana@example.com\n"), notInitialised);
  assert.throws(() => new Provisioner({ baseUrl: "http://127.0.0.1:9/scim/v2" }), notInitialised);
  // init() called but not awaited: still not ready.
  const pending = init(wasmBytes, others);
  assert.throws(() => parseDesiredCsv("userName\nana@example.com\n"), notInitialised);
  await pending;
  assert.equal(parseDesiredCsv("userName\nana@example.com\n").users[0].userName, "ana@example.com");
  // A second init() is the same one.
  assert.equal(init(), pending);
});

describe("Provisioner runs against scim2-server", () => {
  let server;
  before(async () => {
    await init(wasmBytes, others);
    server = await startScimServer("facade-token");
  });
  after(async () => {
    await server?.stop();
  });

  test("plan, apply and sync take a directory's CSV text as well as its JSON", async () => {
    const p = new Provisioner({ baseUrl: server.url, token: server.token });
    const csv = "userName,givenName,familyName,groups\ncsv1@example.com,Ana,Silva,Readers\ncsv2@example.com,Bo,Li,\n";
    const planned = await p.plan(csv);
    assert.equal(planned.summary.createUsers, 2);
    assert.equal(planned.summary.createGroups, 1);
    const applied = await p.apply(planned);
    assert.equal(applied.status, "applied", applied.reason);
    const names = (await readAll(server, "Users")).map((u) => u.userName).sort();
    assert.deepEqual(names, ["csv1@example.com", "csv2@example.com"]);
    // JSON text is read as JSON: the same directory again, nothing to do.
    const json = JSON.stringify({ users: [{ userName: "csv1@example.com", name: { givenName: "Ana", familyName: "Silva" } }, { userName: "csv2@example.com", name: { givenName: "Bo", familyName: "Li" } }], groups: [{ displayName: "Readers", members: ["csv1@example.com"] }] });
    assert.deepEqual((await p.plan(json)).actions, []);
    // A bad CSV row is the core's CSV error, with its row.
    await assert.rejects(p.plan("userName,active\nx@example.com,perhaps\n"), (e) => e instanceof ScimProvisionError && e.kind === "desired-state" && e.rows?.[0]?.row === 2);
  });

  test("a browser's opaque fetch failure says what it usually is (CORS)", { timeout: 60_000 }, async () => {
    const p = new Provisioner({ baseUrl: "https://scim.example/scim/v2", token: "t0ken-x" });
    const browserLike = async () => {
      throw new TypeError("Failed to fetch");
    };
    await assert.rejects(p.plan({ users: [] }, { fetch: browserLike }), (e) => e.kind === "run-failed" && /Failed to fetch \(the browser gives no reason: most often CORS/.test(e.message));
  });

  test("an apply refused because the server changed resolves with status refused, nothing written", async () => {
    const p = new Provisioner({ baseUrl: server.url, token: server.token });
    const desired = { users: [{ userName: "refused@example.com" }] };
    const planned = await p.plan(desired);
    // Someone else creates a user between plan and apply.
    const res = await fetch(`${server.url}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "interloper@example.com" }),
    });
    assert.equal(res.status, 201);
    const report = await p.apply(planned);
    assert.equal(report.status, "refused");
    assert.match(report.reason, /the server changed since the plan was made/);
    assert.deepEqual(report.outcomes, []);
    assert.ok(!(await readAll(server, "Users")).some((u) => u.userName === "refused@example.com"));
  });

  test("a partly applied run resolves with status partiallyApplied and every failed action", async () => {
    const p = new Provisioner({ baseUrl: server.url, token: server.token, maxInFlight: 1, policy: { offboarding: "leave" } });
    const desired = { users: [{ userName: "partial-ok@example.com" }, { userName: "partial-refused@example.com" }] };
    // The server refuses one create for good (a 400 is not retried).
    const refusing = async (url, init) => {
      if (init?.method === "POST" && String(init.body).includes("partial-refused")) {
        return new Response(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidValue", detail: "refused by policy" }), { status: 400, headers: { "Content-Type": "application/scim+json" } });
      }
      return fetch(url, init);
    };
    const report = await p.sync(desired, { fetch: refusing });
    assert.equal(report.status, "partiallyApplied");
    const failed = report.outcomes.filter((o) => o.result.status === "failed");
    assert.equal(failed.length, 1);
    assert.match(JSON.stringify(failed[0]), /partial-refused@example\.com/);
    const names = (await readAll(server, "Users")).map((u) => u.userName);
    assert.ok(names.includes("partial-ok@example.com") && !names.includes("partial-refused@example.com"));
  });
});
