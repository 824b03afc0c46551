// Loads examples/data/seed.json into a SCIM server with plain fetch (not through
// scim-provision, so the demo starts from a state the tool did not make).
import { readFileSync } from "node:fs";

export async function seed(server) {
  const { users, groups } = JSON.parse(readFileSync(new URL("../data/seed.json", import.meta.url), "utf8"));
  const headers = { Authorization: `Bearer ${server.token}`, "Content-Type": "application/scim+json" };
  const post = async (endpoint, body) => {
    const res = await fetch(`${server.url}/${endpoint}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`seeding ${endpoint}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  const ids = new Map();
  for (const user of users) ids.set(user.userName, (await post("Users", user)).id);
  for (const group of groups) {
    await post("Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: group.displayName,
      members: group.members.map((userName) => ({ value: ids.get(userName) })),
    });
  }
  return { users: users.length, groups: groups.length };
}
