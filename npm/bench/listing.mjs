// A 100,000-user server listed and planned through the facade's host loop, with an in-memory
// fetch (no network), beside JSON.parse of the same page bodies in the same run. Shows what
// the engine itself costs per listed user, heap growth included: the engine grows the
// WebAssembly heap once when the first page says how many follow (V8 may answer every
// `memory.grow` with a full collection). Run after scripts/npm.sh: node npm/bench/listing.mjs
import { Provisioner } from "../dist/node.js";

const N = Number(process.env.USERS ?? 100_000);
const PAGE = 100;
const pad = (n) => String(n).padStart(6, "0");
const users = Array.from({ length: N }, (_, i) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: `u${pad(i)}`,
  userName: `user${pad(i)}@example.com`,
  externalId: `E${pad(i)}`,
  active: true,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  title: "Specialist",
  emails: [{ value: `user${pad(i)}@example.com`, primary: true, type: "work" }],
}));
const page = (all, start, count) => {
  const slice = all.slice(start - 1, start - 1 + count);
  return JSON.stringify({
    schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    totalResults: all.length, startIndex: start, itemsPerPage: slice.length, Resources: slice,
  });
};
const config = JSON.stringify({ patch: { supported: true }, filter: { supported: true, maxResults: PAGE } });
const fetch = async (url) => {
  const u = new URL(url);
  const body = u.pathname.endsWith("/ServiceProviderConfig")
    ? config
    : page(u.pathname.endsWith("/Users") ? users : [], Number(u.searchParams.get("startIndex") ?? 1), Number(u.searchParams.get("count") ?? PAGE));
  return new Response(body, { status: 200, headers: { "content-type": "application/scim+json" } });
};
const desired = { users: users.map(({ userName, externalId, name, title }) => ({ userName, externalId, name, title })) };

let t = performance.now();
for (let s = 1; s <= N; s += PAGE) JSON.parse(page(users, s, PAGE));
const parseMs = performance.now() - t;

const p = new Provisioner({ baseUrl: "http://scim.test/scim/v2", profile: "generic", maxInFlight: 8 });
t = performance.now();
const plan = await p.plan(desired, { fetch });
const planMs = performance.now() - t;
if (plan.actions.length !== 0) throw new Error(`expected an empty plan, got ${plan.actions.length} actions`);

console.log(`npm listing benchmark: ${N} users in pages of ${PAGE}, listed and planned through an in-memory fetch`);
console.log(`  build + JSON.parse of every page   ${parseMs.toFixed(0).padStart(6)} ms`);
console.log(`  list + plan through the facade     ${planMs.toFixed(0).padStart(6)} ms`);
console.log(`  ratio                              ${(planMs / parseMs).toFixed(2).padStart(6)}`);
