// The fault-injecting proxy of the end-to-end fault suite (test/lib/fault-proxy.mjs) proves
// each fault does what it says, against scim2-server read directly: a lost answer leaves the
// write committed, a drop before forwarding leaves nothing, injected statuses never reach the
// server, rewrites and echoes look as documented, ordinals count per rule, the soak's chooser
// is bounded and seeded, and the proxy listens on 127.0.0.1 only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { chaos, startFaultProxy } from "./lib/fault-proxy.mjs";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "proxy-secret-token-1234";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

describe("fault proxy", { timeout: 60_000 }, () => {
  let server;
  let proxy;
  before(async () => {
    server = await startScimServer(TOKEN);
    proxy = await startFaultProxy(server);
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" };
  const post = (endpoint, body) => fetch(`${proxy.url}/${endpoint}`, { method: "POST", headers, body: JSON.stringify(body) });
  const get = (target) => fetch(`${proxy.url}/${target}`, { headers });
  const groupsNamed = async (name) => (await readAll(server, "Groups")).filter((g) => g.displayName === name);

  test("listens on 127.0.0.1 only, and forwards what no rule matches", async () => {
    proxy.clear();
    assert.equal(proxy.address, "127.0.0.1");
    assert.match(proxy.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post("Groups", { schemas: [GROUP], displayName: "plain" });
    assert.equal(res.status, 201);
    assert.equal((await res.json()).displayName, "plain");
    assert.equal((await groupsNamed("plain")).length, 1);
    const [record] = proxy.records;
    assert.equal(record.method, "POST");
    assert.equal(record.path, "/Groups");
    assert.equal(record.json.displayName, "plain");
    assert.equal(record.fault, "pass");
    assert.equal(record.status, 201);
  });

  test("lose-after-commit: the server commits, the client gets no answer", async () => {
    proxy.clear();
    proxy.add({ name: "lose", method: "POST", path: /^\/Groups/, fault: "lose-after-commit" });
    await assert.rejects(post("Groups", { schemas: [GROUP], displayName: "lost" }));
    assert.equal((await groupsNamed("lost")).length, 1, "the group was created");
    assert.equal(proxy.records[0].rule, "lose");
    assert.equal(proxy.records[0].status, 201);
    assert.match(proxy.records[0].outcome, /answer lost/);
  });

  test("truncate: the server commits, the client gets half the body", async () => {
    proxy.clear();
    proxy.add({ method: "POST", path: /^\/Groups/, fault: "truncate" });
    const res = await post("Groups", { schemas: [GROUP], displayName: "truncated" });
    assert.equal(res.status, 201);
    const text = await res.text();
    assert.throws(() => JSON.parse(text));
    assert.ok(text.startsWith('{"schemas"') || text.startsWith("{"), text);
    assert.equal((await groupsNamed("truncated")).length, 1);
  });

  test("drop-before: the socket closes and nothing reaches the server", async () => {
    proxy.clear();
    proxy.add({ method: "POST", path: /^\/Groups/, fault: "drop-before" });
    await assert.rejects(post("Groups", { schemas: [GROUP], displayName: "dropped" }));
    assert.equal((await groupsNamed("dropped")).length, 0);
  });

  test("status: 429 with Retry-After, 500, 502, 503, none forwarded", async () => {
    proxy.clear();
    proxy.add({ method: "POST", path: /^\/Groups/, nth: 1, fault: "status", status: 429, retryAfter: 1 });
    proxy.add({ method: "POST", path: /^\/Groups/, nth: 2, fault: "status", status: 500 });
    proxy.add({ method: "POST", path: /^\/Groups/, nth: 3, fault: "status", status: 502 });
    proxy.add({ method: "POST", path: /^\/Groups/, nth: 4, fault: "status", status: 503 });
    const limited = await post("Groups", { schemas: [GROUP], displayName: "refused" });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "1");
    assert.equal((await limited.json()).status, "429");
    for (const status of [500, 502, 503]) {
      const res = await post("Groups", { schemas: [GROUP], displayName: "refused" });
      assert.equal(res.status, status);
      await res.arrayBuffer();
    }
    assert.equal((await groupsNamed("refused")).length, 0);
    // Each rule counts every POST /Groups: the fifth is due for none of them and goes through.
    assert.equal((await post("Groups", { schemas: [GROUP], displayName: "refused" })).status, 201);
    assert.equal((await groupsNamed("refused")).length, 1);
  });

  test("nth picks one matching request; an array picks several", async () => {
    proxy.clear();
    proxy.add({ method: "GET", path: /^\/Users/, nth: [2, 4], fault: "status", status: 503 });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await get("Users");
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 503, 200, 503, 200]);
  });

  test("rewrite: the server's JSON transformed (numeric meta.version, string totalResults)", async () => {
    proxy.clear();
    await post("Users", { schemas: [USER], userName: "rewritten@example.com" });
    proxy.add({
      method: "GET",
      path: /^\/Users/,
      fault: "rewrite",
      rewrite: (page) => {
        page.totalResults = String(page.totalResults);
        for (const u of page.Resources) u.meta.version = Number(u.meta.version.replace(/\D/g, ""));
      },
    });
    const page = await (await get("Users")).json();
    assert.equal(typeof page.totalResults, "string");
    assert.ok(page.Resources.length > 0);
    for (const u of page.Resources) assert.equal(typeof u.meta.version, "number");
  });

  test("echo-auth: in the detail, in a non-JSON body, in a response header", async () => {
    proxy.clear();
    proxy.add({ method: "GET", path: /^\/Users/, nth: 1, fault: "echo-auth", echo: "detail" });
    proxy.add({ method: "GET", path: /^\/Users/, nth: 2, fault: "echo-auth", echo: "body", status: 500 });
    proxy.add({ method: "GET", path: /^\/Users/, nth: 3, fault: "echo-auth", echo: "header" });
    const detail = await get("Users");
    assert.equal(detail.status, 400);
    assert.ok((await detail.json()).detail.includes(`Bearer ${TOKEN}`));
    const body = await get("Users");
    assert.equal(body.status, 500);
    assert.match(body.headers.get("content-type"), /text\/html/);
    assert.ok((await body.text()).includes(`Authorization: Bearer ${TOKEN}`));
    const header = await get("Users");
    assert.equal(header.status, 400);
    assert.equal(header.headers.get("x-echo-authorization"), `Bearer ${TOKEN}`);
    await header.arrayBuffer();
  });

  test("filter-400: only a GET whose filter holds an escaped quote", async () => {
    proxy.clear();
    await post("Users", { schemas: [USER], userName: 'o"quote@example.com' });
    proxy.add({ path: /^\/Users/, fault: "filter-400" });
    const escaped = await get(`Users?filter=${encodeURIComponent('userName eq "o\\"quote@example.com"')}`);
    assert.equal(escaped.status, 400);
    const error = await escaped.json();
    assert.equal(error.scimType, "invalidFilter");
    const plain = await get(`Users?filter=${encodeURIComponent('userName eq "rewritten@example.com"')}`);
    assert.equal(plain.status, 200);
    assert.equal((await plain.json()).totalResults, 1);
    assert.equal(proxy.records[proxy.records.length - 1].fault, "pass");
  });

  test("before runs ahead of the fault: the server changes behind the client's back", async () => {
    proxy.clear();
    proxy.add({
      method: "POST",
      path: /^\/Users/,
      fault: "pass",
      before: async (req) => {
        await fetch(`${server.url}/Users`, { method: "POST", headers, body: JSON.stringify({ schemas: [USER], userName: req.json.userName }) });
      },
    });
    const res = await post("Users", { schemas: [USER], userName: "raced@example.com" });
    assert.equal(res.status, 409);
    await res.arrayBuffer();
  });

  test("records name the subject of a request by the id the server gave it", async () => {
    proxy.clear();
    const created = await (await post("Users", { schemas: [USER], userName: "subject@example.com" })).json();
    const res = await fetch(`${proxy.url}/Users/${created.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "Lead" }] }),
    });
    assert.ok(res.ok, String(res.status));
    await res.arrayBuffer();
    assert.deepEqual(proxy.records.map((r) => r.subject), ["subject@example.com", "subject@example.com"]);
  });

  test("chaos: seeded per request whatever the order, bounded in all and per request", () => {
    const requests = Array.from({ length: 60 }, (_, i) => ({ method: i % 3 ? "GET" : "POST", path: `/Users?startIndex=${i + 1}`, body: "", subject: undefined }));
    // Each request is sent until it gets through (at most 3 attempts with perRequest 2).
    const run = (seed, order) => {
      const { fault, tally } = chaos({ seed, budget: 1000, probability: 0.4, perRequest: 2 });
      const picks = new Map();
      for (const req of order) {
        const faults = [];
        for (let spec = fault(req); spec; spec = fault(req)) faults.push(spec.fault + (spec.status ?? ""));
        picks.set(req.path, faults);
      }
      return { picks, tally };
    };
    const a = run(7, requests);
    const shuffled = [...requests].sort((x, y) => (x.path.length - y.path.length) || (y.path < x.path ? -1 : 1));
    assert.deepEqual(run(7, shuffled).picks, a.picks, "the same seed gives the same faults in any order");
    assert.notDeepEqual(run(8, requests).picks, a.picks);
    assert.ok(a.tally.total >= 15 && a.tally.total <= 60, JSON.stringify(a.tally));
    assert.ok([...a.picks.values()].every((f) => f.length <= 2), "at most two faults in a row per request");
    assert.ok(Object.keys(a.tally.byKind).length >= 5, JSON.stringify(a.tally.byKind));
    // The budget bounds the whole run.
    const { fault, tally } = chaos({ seed: 1, budget: 5, probability: 1, perRequest: 2 });
    for (const req of requests) fault(req);
    assert.equal(tally.total, 5);
    const same = { method: "POST", path: "/Groups", body: "{}" };
    const capped = chaos({ seed: 1, budget: 100, probability: 1, perRequest: 2 });
    assert.deepEqual([capped.fault(same), capped.fault(same), capped.fault(same)].map((s) => s !== null), [true, true, false]);
  });
});
