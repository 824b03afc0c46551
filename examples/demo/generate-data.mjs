// Writes the demo's data, deterministically (a seeded generator, so the files never change
// unless this script does):
//   examples/data/people.csv  the directory: 200 people in 10 groups, with departments, cost
//                             centers, divisions and managers
//   examples/data/seed.json   what the SCIM server holds before the demo: most of those
//                             people, some with drifted titles and departments, leavers still
//                             active, a returning employee deactivated, a group whose members
//                             changed, a group still missing
//
//   node examples/demo/generate-data.mjs
import { writeFileSync } from "node:fs";

const out = new URL("../data/", import.meta.url);

// mulberry32: a tiny seeded PRNG; the output only has to be stable, not random.
let state = 20261123;
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];

const GIVEN = ["Ana", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomás", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë"];
const FAMILY = ["Silva", "Martin", "Okafor", "Nguyen", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Rossi", "Dubois", "Mensah", "Larsen", "García", "Patel", "O'Brien", "Cohen", "Ivanova", "Kim", "Moreau", "Andersson"];
const DEPARTMENTS = [
  // name, cost center, titles, people
  ["Engineering", "CC-100", ["Software Engineer", "Senior Engineer", "Staff Engineer", "SRE"], 58],
  ["Sales", "CC-200", ["Account Executive", "Sales Development Rep", "Solutions Engineer"], 36],
  ["Support", "CC-300", ["Support Engineer", "Support Lead"], 28],
  ["Marketing", "CC-400", ["Content Marketer", "Growth Marketer", "Designer, Brand"], 22],
  ["Design", "CC-500", ["Product Designer", "UX Researcher"], 16],
  ["Finance", "CC-600", ["Accountant", "FP&A Analyst"], 14],
  ["People", "CC-700", ["Recruiter", "People Partner"], 14],
  ["Legal", "CC-800", ["Counsel", "Paralegal"], 12],
];
const DIVISIONS = ["EMEA", "NA", "APAC"];
// Engineering and Design share the Product group; Legal has none of its own.
const departmentGroup = (d) => (d === "Engineering" || d === "Design" ? ["Product"] : d === "Legal" ? [] : [d]);
const EXT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// ---- the directory ----
const people = [];
const used = new Set();
let n = 1000;
for (const [department, costCenter, titles, count] of DEPARTMENTS) {
  const lead = people.length;
  for (let i = 0; i < count; i++) {
    let given, family, userName;
    do {
      given = pick(GIVEN);
      family = pick(FAMILY);
      userName = `${given}.${family}`.normalize("NFD").replace(/[^A-Za-z.]/g, "").toLowerCase() + "@example.com";
    } while (used.has(userName));
    used.add(userName);
    n += 1;
    people.push({
      userName,
      givenName: given,
      familyName: family,
      externalId: `E${n}`,
      active: true,
      title: i === 0 ? `Head of ${department}` : pick(titles),
      costCenter,
      department,
      division: pick(DIVISIONS),
      organization: "Example Inc",
      manager: i === 0 ? null : people[lead],
      groups: ["Everyone", ...departmentGroup(department)],
    });
  }
}
// Cross-cutting groups.
for (const p of people) {
  if (p.title.startsWith("Head of")) p.groups.push("Managers");
  if (p.department === "Engineering" && random() < 0.3) p.groups.push("On-call");
  if (p.department === "Support" && random() < 0.4) p.groups.push("On-call");
  if (p.department === "Engineering" && random() < 0.08) p.groups.push("Admins");
}
// A few new hires are not on the server yet.
const newHires = new Set(people.filter((_, i) => i % 11 === 5).map((p) => p.userName));

const csvCell = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const header = "userName,givenName,familyName,externalId,active,title,costCenter,department,division,organization,managerId,managerName,groups";
const rows = people.map((p) =>
  [p.userName, p.givenName, p.familyName, p.externalId, "true", p.title, p.costCenter, p.department, p.division, p.organization, p.manager?.externalId ?? "", p.manager ? `${p.manager.givenName} ${p.manager.familyName}` : "", p.groups.join("; ")]
    .map(csvCell)
    .join(","),
);
writeFileSync(new URL("people.csv", out), [header, ...rows].join("\n") + "\n");

// ---- the server before the demo ----
const scimUser = (p, overrides = {}) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", EXT],
  userName: p.userName,
  externalId: p.externalId,
  name: { givenName: p.givenName, familyName: p.familyName },
  displayName: `${p.givenName} ${p.familyName}`,
  title: p.title,
  active: true,
  [EXT]: { costCenter: p.costCenter, department: p.department, division: p.division, organization: p.organization, ...(p.manager ? { manager: { value: p.manager.externalId, displayName: `${p.manager.givenName} ${p.manager.familyName}` } } : {}) },
  ...overrides,
});

const seedUsers = [];
const drifted = [];
people.forEach((p, i) => {
  if (newHires.has(p.userName)) return;
  if (i % 17 === 3) {
    // Drift: a title and a department changed in the app by hand.
    drifted.push(p.userName);
    seedUsers.push(scimUser(p, { title: "Intern", [EXT]: { ...scimUser(p)[EXT], department: "Unknown" } }));
  } else if (i === 42) {
    // The returning employee: deactivated when they left, back in the directory now.
    seedUsers.push(scimUser(p, { active: false }));
  } else {
    seedUsers.push(scimUser(p));
  }
});
// Leavers: gone from the directory, still active (and billed) in the app.
const leavers = [
  { userName: "max.leaver@example.com", givenName: "Max", familyName: "Leaver", externalId: "E0901", title: "Account Executive", costCenter: "CC-200", department: "Sales", division: "NA", organization: "Example Inc" },
  { userName: "kim.former@example.com", givenName: "Kim", familyName: "Former", externalId: "E0902", title: "Software Engineer", costCenter: "CC-100", department: "Engineering", division: "EMEA", organization: "Example Inc" },
  { userName: "contractor.2024@example.com", givenName: "Pat", familyName: "Contractor", externalId: "E0903", title: "Contractor", costCenter: "", department: "", division: "", organization: "Example Inc" },
];
for (const l of leavers) seedUsers.push(scimUser(l, l.department ? {} : { [EXT]: { organization: l.organization } }));
// Someone deactivated long ago: not billed, left alone.
seedUsers.push(scimUser({ userName: "old.timer@example.com", givenName: "Old", familyName: "Timer", externalId: "E0800", title: "Analyst", costCenter: "CC-600", department: "Finance", division: "NA", organization: "Example Inc" }, { active: false }));

const groupNames = ["Everyone", "Product", "Sales", "Support", "Marketing", "Finance", "People", "Managers", "On-call", "Admins"];
const seeded = new Set(seedUsers.map((u) => u.userName));
const seedGroups = [];
for (const name of groupNames) {
  if (name === "Admins") continue; // still missing on the server: the plan creates it
  let members = people.filter((p) => p.groups.includes(name) && seeded.has(p.userName)).map((p) => p.userName);
  if (name === "On-call") {
    // The rotation changed: two people left it, and a leaver is still in it.
    members = members.slice(2).concat(["kim.former@example.com"]);
  }
  if (name === "Everyone" || name === "Sales") members = members.concat(name === "Sales" ? ["max.leaver@example.com"] : leavers.map((l) => l.userName));
  seedGroups.push({ displayName: name, members });
}

writeFileSync(new URL("seed.json", out), JSON.stringify({ users: seedUsers, groups: seedGroups }, null, 1) + "\n");
console.log(`people.csv: ${people.length} people in ${new Set(people.flatMap((p) => p.groups)).size} groups (${newHires.size} new hires)`);
console.log(`seed.json: ${seedUsers.length} users (${drifted.length} drifted, ${leavers.length} leavers), ${seedGroups.length} groups`);
