// A listing page the core finds to be its body as sent comes back as `JSON.parse` of the
// body (no decode, no JSON written out and parsed again); any other page comes back as the
// core decoded it. Both are the same page: the same attributes and values.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decode } from "../dist/node.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const user = (i, extra = {}) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
  id: `u${i}`,
  userName: `user${i}@example.com`,
  name: { givenName: `Given${i}`, familyName: "Family" },
  active: true,
  emails: [{ value: `user${i}@example.com`, type: "work", primary: true }],
  groups: i % 2 ? [] : [{ value: "g1", display: "G", $ref: "https://scim.test/v2/Groups/g1" }],
  [ENTERPRISE]: { department: "R&D", manager: { value: "u0", displayName: "M" } },
  meta: { resourceType: "User", version: `W/"${i}"` },
  "x-note": 'caf\u00e9 "quoted" \u2603',
  ...extra,
});
const page = (users) => JSON.stringify({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  totalResults: users.length, startIndex: 1, itemsPerPage: users.length, Resources: users,
});
const answer = (body) => ({ status: 200, headers: [["content-type", "application/scim+json"]], body });

test("a page as servers send it is the body, whichever form the answer takes", () => {
  const body = page([user(0), user(1)]);
  const decoded = decode("user", "list", answer(body));
  assert.deepEqual(decoded, { type: "page", page: JSON.parse(body) });
  // An empty list stays as the server sent it (RFC 7643 §2.5: unassigned either way).
  assert.deepEqual(decoded.page.Resources[1].groups, []);
  assert.deepEqual(decode("user", "list", answer(new TextEncoder().encode(body))), decoded);
  assert.deepEqual(decode("user", "list", JSON.stringify(answer(body))), decoded);
});

test("a page the core must change to read is the page decoded", () => {
  // `null` reads as unassigned and a number as an id is coerced: the page is not as sent.
  const body = page([user(0, { title: null }), user(2, { id: 7 })]);
  const decoded = decode("user", "list", answer(body));
  assert.equal(decoded.type, "page");
  assert.equal("title" in decoded.page.Resources[0], false);
  assert.equal(decoded.page.Resources[1].id, "7");
  // Otherwise the same users as sent.
  const { title: _, ...sent } = JSON.parse(body).Resources[0];
  assert.deepEqual(decoded.page.Resources[0], sent);
});

test("groups pages too; an error status is still the server's error", () => {
  const body = JSON.stringify({ totalResults: 1, Resources: [{ id: "g1", displayName: "G", members: [] }] });
  assert.deepEqual(decode("group", "list", answer(body)), { type: "page", page: JSON.parse(body) });
  const failing = { status: 503, headers: [], body: page([user(0)]) };
  assert.throws(() => decode("user", "list", failing), (e) => e.kind === "server" && e.httpStatus === 503);
});
