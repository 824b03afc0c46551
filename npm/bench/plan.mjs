// The planner benchmark's data (100,000 users, 5,000 groups, ~1,000,000 memberships, 2 %
// drift) planned through the npm package in Node, beside JSON.parse of the same inputs in
// the same run. Target: planning through the package takes at most 3x JSON.parse.
// Run after scripts/npm.sh: node npm/bench/plan.mjs
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { plan } from "../dist/node.js";

// Each timing starts from a collected heap, so neither side pays for the other's garbage
// (a 100 MiB JSON.parse otherwise swings 2x with the heap it happens to start in).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const RUNS = 5;

const USERS = 100_000, GROUPS = 5_000, PER_GROUP = 200;
const DEPTS = ["Support", "Sales", "Engineering", "Finance", "Legal", "Ops", "Design", "HR"];
const drift = (i, k) => i % 200 === k;
const pad = (n, w) => String(n).padStart(w, "0");
const user = (i, titleDrift) => ({
  userName: `user${pad(i, 6)}@example.com`,
  externalId: `E${pad(i, 6)}`,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  title: titleDrift ? "Senior Specialist" : "Specialist",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: DEPTS[i % DEPTS.length], costCenter: `CC-${i % 50}` },
});
const dUsers = [], aUsers = [];
for (let i = 0; i < USERS; i++) {
  if (!drift(i, 1)) dUsers.push(user(i, drift(i, 2)));
  if (!drift(i, 0)) aUsers.push({ ...user(i, false), id: `usr${pad(i, 14)}`, active: !drift(i, 3) });
}
const dGroups = [], aGroups = [];
for (let g = 0; g < GROUPS; g++) {
  const members = Array.from({ length: PER_GROUP }, (_, k) => (g * 37 + k * 499) % USERS);
  const desiredMembers = members.filter((i) => !drift(i, 1)).map((i, k) => (k % 50 === 7 ? (i + 1) % USERS : i))
    .filter((i) => !drift(i, 1)).map((i) => `user${pad(i, 6)}@example.com`);
  dGroups.push({ displayName: `Group ${pad(g, 4)}`, members: desiredMembers });
  aGroups.push({ id: `ugp${pad(g, 14)}`, displayName: `Group ${pad(g, 4)}`, members: members.filter((i) => !drift(i, 0)).map((i) => ({ value: `usr${pad(i, 14)}` })) });
}
const desiredJson = JSON.stringify({ users: dUsers, groups: dGroups });
const actualJson = JSON.stringify({ users: aUsers, groups: aGroups, complete: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const parseTimes = [], planTimes = [];
let summary;
for (let run = 0; run < RUNS; run++) {
  gc();
  let t = performance.now();
  JSON.parse(desiredJson);
  JSON.parse(actualJson);
  parseTimes.push(performance.now() - t);
  gc();
  t = performance.now();
  summary = plan(desiredJson, actualJson, { profile: "airtable", policy: { maxDeactivations: {} } }).summary;
  planTimes.push(performance.now() - t);
}
const mb = (desiredJson.length + actualJson.length) / 1048576;
console.log(`npm planner benchmark: ${USERS} users, ${GROUPS} groups, ${(mb).toFixed(1)} MiB of JSON, median of ${RUNS}`);
console.log(`  JSON.parse of both inputs    ${median(parseTimes).toFixed(0).padStart(8)} ms`);
console.log(`  plan through the package     ${median(planTimes).toFixed(0).padStart(8)} ms   (parse + plan inside WebAssembly)`);
console.log(`  ratio plan / JSON.parse      ${(median(planTimes) / median(parseTimes)).toFixed(2).padStart(8)}    (target <= 2.00)`);
console.log(`  every run (ms): parse ${parseTimes.map((t) => t.toFixed(0)).join(" ")}; plan ${planTimes.map((t) => t.toFixed(0)).join(" ")}`);
console.log(`  plan: ${summary.createUsers} creates, ${summary.updateUsers} updates, ${summary.deactivateUsers} deactivations, +${summary.addMembers} / -${summary.removeMembers} members`);
