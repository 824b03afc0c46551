// Bytes in: answers and directory files reach the core as the bytes received, checked as
// UTF-8 there. What is not UTF-8 is refused or reported where it came from, never read on
// with replaced characters, and never the end of the host loop.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decode, Engine, parseDesired, profile, Provisioner, ScimProvisionError } from "../dist/node.js";

const utf8 = (text) => new TextEncoder().encode(text);
const latin1 = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const page = (userName) => `{"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[{"id":"u1","userName":"${userName}"}]}`;

/** Runs a plan-only engine, answering each request with `answer(request)` (`{status, body}`),
 * on a virtual clock; returns the report and the warnings. */
function run(answer, desired = { users: [{ userName: "ana@example.com" }] }) {
  const engine = new Engine({ basePath: "/scim/v2", profile: profile("generic"), mode: { mode: "planOnly" } }, desired);
  const warnings = [];
  try {
    let now = 0;
    for (let step = 0; step < 10_000; step++) {
      const out = engine.pollOutput(now);
      if (out.type === "send") {
        const { status, body } = answer(out.request);
        engine.handleResponse(out.id, status, [["Content-Type", "application/scim+json"]], body, now);
      } else if (out.type === "event" && out.event.type === "warning") warnings.push(out.event.message);
      else if (out.type === "wait") now = out.untilMs ?? now + 1;
      else if (out.type === "done") return { report: out.report, warnings, listed: engine.listedState() };
    }
    throw new Error("the run did not end");
  } finally {
    engine.free();
  }
}

const discovery = (request) => request.path.endsWith("/ServiceProviderConfig");

test("an answer's bytes are the same answer as its text", () => {
  const answer = (r) => (discovery(r) ? "{}" : r.path.includes("/Users") ? page("josé@example.com") : '{"totalResults":0,"Resources":[]}');
  const { report, listed } = run((r) => ({ status: 200, body: utf8(answer(r)) }));
  assert.equal(report.status, "planned");
  assert.deepEqual(listed.users.map((u) => u.userName), ["josé@example.com"]);
  const text = { status: 200, headers: [], body: page("josé@example.com") };
  assert.deepEqual(decode("user", "list", { ...text, body: utf8(text.body) }), decode("user", "list", text));
});

test("a success body that is not UTF-8 is an unreadable answer the report names, not a renamed user", () => {
  // Every listing page answers in Latin-1: the first page cannot be had, so the run fails,
  // saying why, after its retries; nothing is planned from a name read with U+FFFD.
  const { report } = run((r) => ({ status: 200, body: discovery(r) ? utf8("{}") : latin1(page("josé@example.com")) }));
  assert.equal(report.status, "failed");
  assert.match(report.reason, /not valid JSON .*<not UTF-8 at byte \d+>/);
  assert.equal(report.plan ?? null, null);
  // The same through the decode entry point.
  assert.throws(
    () => decode("user", "list", { status: 200, headers: [], body: latin1(page("josé")) }),
    (e) => e instanceof ScimProvisionError && e.kind === "decode" && e.code === "notJson" && e.message.includes(`<not UTF-8 at byte ${page("josé").indexOf("é")}>`),
  );
});

test("an error answer that is not UTF-8 keeps its status and meaning", () => {
  // A 409 whose detail is Latin-1 is still a uniqueness conflict.
  const conflict = latin1(`{"status":"409","scimType":"uniqueness","detail":"José exists"}`);
  assert.throws(
    () => decode("user", "create", { status: 409, headers: [], body: conflict }),
    (e) => e.kind === "server" && e.httpStatus === 409 && e.scimType === "uniqueness" && e.detail === "Jos\ufffd exists",
  );
  // A 401 from a proxy in Latin-1 still fails the run as refused credentials.
  const { report } = run(() => ({ status: 401, body: latin1("Accès refusé") }));
  assert.equal(report.status, "failed");
  assert.equal(report.error?.httpStatus, 401);
});

test("a directory file's bytes are decoded by the core, and refused whole when not UTF-8", () => {
  const csv = "userName,givenName\nana@example.com,Ana\njose@example.com,José\n";
  assert.deepEqual(parseDesired(utf8(csv), { fileName: "people.csv" }), parseDesired(csv, { fileName: "people.csv" }));
  const bad = latin1(csv);
  assert.throws(
    () => parseDesired(bad, { fileName: "people.csv" }),
    (e) => e.kind === "desired-state" && e.code === "notUtf8" && e.location === "byte 59" && e.data.line === 3,
  );
  // An engine takes the file the same way: refused before any request.
  assert.throws(
    () => new Engine({ basePath: "", profile: profile("generic"), mode: { mode: "planOnly" } }, { bytes: bad, fileName: "people.csv" }),
    (e) => e.kind === "desired-state" && e.code === "notUtf8",
  );
  const { report } = run(
    (r) => ({ status: 200, body: utf8(discovery(r) ? "{}" : '{"totalResults":0,"Resources":[]}') }),
    { bytes: utf8(csv), fileName: "people.csv" },
  );
  assert.equal(report.plan.summary.createUsers, 2);
});

test("the facade's host loop hands the body's bytes over and still filters credentials", async () => {
  const token = "secret-token-0123456789";
  const seen = [];
  const fetch = async (url, init) => {
    seen.push(new Headers(init.headers).get("authorization"));
    const path = new URL(url).pathname;
    const body = path.endsWith("/ServiceProviderConfig") ? "{}" : path.endsWith("/Users") ? page("zoë@example.com") : '{"totalResults":0,"Resources":[]}';
    // A server echoing the credential back, in a header and in a header's value.
    return new Response(utf8(body), { status: 200, headers: { "Content-Type": "application/scim+json", Authorization: `Bearer ${token}`, "X-Echo": token } });
  };
  const p = new Provisioner({ baseUrl: "http://scim.test/scim/v2", token });
  const plan = await p.plan({ bytes: utf8("userName\nzoë@example.com\n"), fileName: "d.csv" }, { fetch });
  assert.equal(plan.actions.length, 0);
  assert.ok(seen.every((h) => h === `Bearer ${token}`));
  assert.ok(!JSON.stringify(plan).includes(token));
});
