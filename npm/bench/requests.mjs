// Requests sent ÷ the least possible (issue 18): 2,000 users in 20 groups synced into
// scim2-server (a real SCIM server, PyPI), then a 2 % drift synced again, once with the
// server advertising SCIM Bulk and once without. Each run is `Provisioner.sync` (one
// listing, plan and apply); a counting `fetch` records every request it sends.
//
// The least possible is worked out here from the data, not from the package: one discovery
// request, the listing pages (⌈resources ÷ the server's filter.maxResults⌉ per endpoint, at
// least one), then a write per resource that differs from the directory (a user created or
// changed, a group created with its members or its members changed); with Bulk, the writes
// travel as ⌈operations ÷ bulk.maxOperations⌉ requests. The server is read back directly
// after each run to check that it holds the directory.
//
// Run after scripts/npm.sh (SCIM2_SERVER or target/py/bin/scim2-server must exist):
//   node npm/bench/requests.mjs
import assert from "node:assert/strict";

import { Provisioner } from "../dist/node.js";
import { startScimServer } from "../../scripts/lib/scim2-server.mjs";

const USERS = Number(process.env.USERS ?? 2000);
const GROUPS = 20;
const DRIFT = 0.02;
const TOKEN = "requests-bench-token";
const pad = (n) => String(n).padStart(5, "0");

/** The directory: USERS people spread over GROUPS groups. */
function directory(count) {
  const users = Array.from({ length: count }, (_, i) => ({
    userName: `person${pad(i)}@example.com`,
    externalId: `E${pad(i)}`,
    active: true,
    name: { givenName: `Given${i}`, familyName: `Family${i}` },
    title: "Specialist",
  }));
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    displayName: `Team ${String(g).padStart(2, "0")}`,
    members: users.filter((_, i) => i % GROUPS === g).map((u) => u.userName),
  }));
  return { users, groups };
}

/** The directory after a drift of DRIFT of its people: a quarter hired, a quarter
 * deactivated, half with a new title. */
function drifted(base) {
  const n = Math.round(base.users.length * DRIFT);
  const users = base.users.map((u) => ({ ...u }));
  const groups = base.groups.map((g) => ({ ...g, members: [...g.members] }));
  for (let k = 0; k < n / 4; k++) {
    const i = base.users.length + k;
    const user = { userName: `hire${pad(i)}@example.com`, externalId: `H${pad(i)}`, active: true, name: { givenName: "New", familyName: `Hire${i}` }, title: "Specialist" };
    users.push(user);
    groups[k % GROUPS].members.push(user.userName);
  }
  for (let k = 0; k < n / 4; k++) users[k * 7].active = false;
  for (let k = 0; k < n / 2; k++) users[k * 11 + 3].title = "Lead";
  return { users, groups };
}

async function readBack(server, endpoint) {
  const all = [];
  for (let start = 1; ; ) {
    const res = await fetch(`${server.url}/${endpoint}?startIndex=${start}&count=1000`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const page = await res.json();
    const got = page.Resources ?? [];
    all.push(...got);
    start += got.length;
    if (got.length === 0 || all.length >= page.totalResults) return all;
  }
}

async function serverConfig(server) {
  const res = await fetch(`${server.url}/ServiceProviderConfig`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return res.json();
}

/** The writes that bring what the server holds to `want`, counted resource by resource. */
function writesNeeded(want, users, groups) {
  const byName = new Map(users.map((u) => [u.userName.toLowerCase(), u]));
  let writes = 0;
  for (const u of want.users) {
    const have = byName.get(u.userName.toLowerCase());
    const differs = !have || have.active !== u.active || have.title !== u.title || have.externalId !== u.externalId ||
      have.name?.givenName !== u.name.givenName || have.name?.familyName !== u.name.familyName;
    if (differs) writes += 1;
  }
  const idOf = new Map(users.map((u) => [u.userName.toLowerCase(), u.id]));
  const groupByName = new Map(groups.map((g) => [g.displayName, g]));
  for (const g of want.groups) {
    const have = groupByName.get(g.displayName);
    if (!have) {
      writes += 1; // created with its members in the POST
      continue;
    }
    const held = new Set((have.members ?? []).map((m) => m.value));
    const wanted = new Set(g.members.map((m) => idOf.get(m.toLowerCase()) ?? `new:${m}`));
    if (held.size !== wanted.size || [...wanted].some((v) => !held.has(v))) writes += 1;
  }
  return writes;
}

/** The least requests a sync of `want` can take against the server as it is now. */
async function leastPossible(server, want) {
  const config = await serverConfig(server);
  const users = await readBack(server, "Users");
  const groups = await readBack(server, "Groups");
  const pageSize = config.filter?.maxResults ?? 100;
  const pages = (n) => Math.max(1, Math.ceil(n / pageSize));
  const listing = 1 + pages(users.length) + pages(groups.length);
  const writes = writesNeeded(want, users, groups);
  const bulk = config.bulk?.supported ? config.bulk.maxOperations : 0;
  return { listing, writes, requests: listing + (bulk ? Math.ceil(writes / bulk) : writes) };
}

async function sync(server, want) {
  const sent = new Map();
  const counting = (url, init) => {
    const key = `${init?.method ?? "GET"} ${new URL(url).pathname.replace(/\/(Users|Groups)\/[^/]+$/, "/$1/{id}")}`;
    sent.set(key, (sent.get(key) ?? 0) + 1);
    return fetch(url, init);
  };
  const least = await leastPossible(server, want);
  const t = performance.now();
  const report = await new Provisioner({ baseUrl: server.url, token: TOKEN }).sync(want, { fetch: counting });
  const ms = performance.now() - t;
  assert.equal(report.status, "applied", JSON.stringify(report.status));
  // The server holds the directory, read back directly.
  const users = await readBack(server, "Users");
  const groups = await readBack(server, "Groups");
  assert.equal(writesNeeded(want, users, groups), 0, "the server holds the directory after the sync");
  const requests = [...sent.values()].reduce((a, b) => a + b, 0);
  return { requests, least, ms, sent };
}

const base = directory(USERS);
const after = drifted(base);
const rows = [];
for (const bulk of [false, true]) {
  const server = await startScimServer(TOKEN, { bulk });
  try {
    for (const [name, want] of [["initial sync", base], ["2% resync", after]]) {
      const r = await sync(server, want);
      rows.push({ bulk, name, ...r });
    }
  } finally {
    await server.stop();
  }
}

console.log(`requests sent ÷ least possible: ${USERS} users in ${GROUPS} groups into scim2-server, then a ${DRIFT * 100}% drift`);
for (const r of rows) {
  const kinds = [...r.sent].map(([k, v]) => `${v} ${k}`).join(", ");
  console.log(
    `  ${r.bulk ? "with Bulk   " : "without Bulk"}  ${r.name.padEnd(13)} ${String(r.requests).padStart(5)} sent, least ${String(r.least.requests).padStart(5)}` +
      ` (${r.least.listing} discovery and listing + ${r.least.writes} writes)  ratio ${(r.requests / r.least.requests).toFixed(2)} (target 1.00)  ${(r.ms / 1000).toFixed(1)} s`,
  );
  console.log(`      ${kinds}`);
}
