// `Engine.stateAfter()`: an apply run's listing with every action that took effect folded in
// is what scim2-server holds afterwards, read back directly (users with the ids the server
// gave, titles, active flags; groups with their members), while `listedState()` stays the
// listing from before the writes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Engine, profile } from "../dist/node.js";
import { readAll, startScimServer } from "./server.mjs";

const TOKEN = "state-after-token";
let server;
before(async () => {
  server = await startScimServer(TOKEN);
});
after(async () => {
  await server?.stop();
});

/** Runs `engine` against the server with fetch; returns the report. */
async function drive(engine) {
  for (let step = 0; step < 10_000; step++) {
    const out = engine.pollOutput(Date.now());
    if (out.type === "send") {
      const { method, path, headers, body } = out.request;
      const res = await fetch(server.url + path, { method, headers: [...headers, ["Authorization", `Bearer ${TOKEN}`]], body: body ?? undefined });
      engine.handleResponse(out.id, res.status, [...res.headers], new Uint8Array(await res.arrayBuffer()), Date.now());
    } else if (out.type === "wait") await new Promise((r) => setTimeout(r, Math.max(0, Math.min((out.untilMs ?? Date.now() + 5) - Date.now(), 1000))));
    else if (out.type === "done") return out.report;
  }
  throw new Error("the run did not end");
}

const seen = (users, groups) => ({
  users: users.map((u) => [u.id, u.userName, u.active !== false, u.title ?? null]).sort(),
  groups: groups.map((g) => [g.id, g.displayName, (g.members ?? []).map((m) => m.value).sort()]).sort(),
});

test("an apply run's state after it is what the server holds, ids included", { timeout: 60_000 }, async () => {
  const config = (desired) => [{ basePath: "", profile: profile("generic"), mode: { mode: "planAndApply" }, policy: { maxDeactivations: { count: 10 } } }, desired];
  const first = new Engine(...config({ users: [{ userName: "ana@example.com", title: "Agent" }, { userName: "bo@example.com" }], groups: [{ displayName: "Eng", members: ["ana@example.com"] }] }));
  assert.equal((await drive(first)).status, "applied");
  first.free();
  const second = new Engine(
    ...config({
      users: [{ userName: "ana@example.com", title: "Lead" }, { userName: "cy@example.com", title: "New" }],
      groups: [{ displayName: "Eng", members: ["cy@example.com"] }, { displayName: "Ops", members: ["ana@example.com", "cy@example.com"] }],
    }),
  );
  try {
    const report = await drive(second);
    assert.equal(report.status, "applied", JSON.stringify(report.outcomes));
    const server_ = seen(await readAll(server, "Users"), await readAll(server, "Groups"));
    const listed = second.listedState();
    assert.notDeepEqual(seen(listed.users, listed.groups), server_, "the listing is from before the writes");
    const folded = second.stateAfter();
    assert.deepEqual(seen(folded.users, folded.groups), server_);
  } finally {
    second.free();
  }
});
