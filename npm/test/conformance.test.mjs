// The conformance corpus (tests/conformance/cases) through the package's public API, one
// test per case: every result must equal the golden file written by the native crate, byte
// for byte, as the WebAssembly component's results do. The runner itself is
// scripts/conformance/run-npm.mjs (also runnable on its own).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import * as pkg from "../dist/node.js";
import { caseNames, runCase } from "../../scripts/conformance/corpus.mjs";
import { npmKinds } from "../../scripts/conformance/run-npm.mjs";

const casesDir = fileURLToPath(new URL("../../tests/conformance/cases", import.meta.url));
const kinds = npmKinds(pkg);
const names = caseNames(casesDir);

const CORE_KINDS = ["encode", "decode", "server", "desired-state", "plan", "engine", "filter", "invalid-argument"];

/** Calls `f`: it returns, or throws a ScimProvisionError of a core kind (never a trap). */
function returnsOrFaults(f, what) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof pkg.ScimProvisionError, `${what}: ${e?.stack ?? e}`);
    assert.ok(CORE_KINDS.includes(e.kind), `${what}: kind ${e.kind}`);
    assert.equal(typeof e.code, "string", what);
    assert.equal(typeof e.data, "object", what);
    assert.deepEqual(Object.keys(e.toJSON()), ["kind", "code", "message", "httpStatus", "scimType", "detail", "location", "data"]);
  }
}

describe("the component-shaped calls on hostile arguments", () => {
  const deep = "[".repeat(5000) + "]".repeat(5000);
  const hostile = ["", "null", "{", deep, '{"users":' + "[".repeat(200) + "]".repeat(200) + "}", "1e999", "\u0000",
    '{"users":[{"userName":"a","x":' + deep + "}]}", "é".repeat(10000), "..", "a".repeat(5000)];
  const profile = JSON.stringify(pkg.profile("generic"));

  test("every call returns or throws a structured core error", () => {
    for (const h of hostile) {
      returnsOrFaults(() => new pkg.Encoder(h, h), "Encoder");
      const encoder = new pkg.Encoder("/scim", profile);
      for (const kind of ["user", "group", h]) {
        returnsOrFaults(() => encoder.list(kind, h), "list");
        returnsOrFaults(() => encoder.get(kind, h), "get");
        returnsOrFaults(() => encoder.createResource(kind, h), "createResource");
        returnsOrFaults(() => encoder.replace(kind, h, h), "replace");
        returnsOrFaults(() => encoder.patch(kind, h, h), "patch");
        returnsOrFaults(() => encoder.delete(kind, h), "delete");
      }
      encoder.free();
      for (const target of ["user", "group", "service-provider-config", h]) {
        for (const status of [0, 204, 429, 599, 65535]) {
          const response = { status, headers: [["Retry-After", h.slice(0, 50)]], body: h };
          returnsOrFaults(() => pkg.decode(target, "list", response, { maxBodyBytes: Number.MAX_SAFE_INTEGER, nowMs: Number.MAX_SAFE_INTEGER }), "decode");
        }
      }
      returnsOrFaults(() => pkg.decode("user", h, { status: 200, headers: [], body: "{}" }), "decode expect");
      returnsOrFaults(() => pkg.renderFilter(h), "renderFilter");
      returnsOrFaults(() => pkg.planWithConfig(h, h, h), "planWithConfig");
      returnsOrFaults(() => pkg.planWithConfig("{}", h, `{"profile":${profile}}`), "planWithConfig actual");
      returnsOrFaults(() => pkg.buildReport(h, h, h, { desired: h, policy: h }), "buildReport");
      returnsOrFaults(() => pkg.buildReport("[]", "[]", null, { takenAtMs: Number.MAX_SAFE_INTEGER, purchasedSeats: Number.MAX_SAFE_INTEGER }), "buildReport extreme");
      returnsOrFaults(() => pkg.reportHtml('[{"userName":"a","active":true}]', "[]", h, { takenAtMs: 1 }), "reportHtml");
      returnsOrFaults(() => pkg.reportCsv(h, h), "reportCsv");
      returnsOrFaults(() => pkg.checkPlan(h), "checkPlan");
    }
  });

  test("a bad argument names itself and the JSON path, as in the component", () => {
    assert.throws(() => pkg.buildReport("[]", '[{"displayName":"x","members":[{"value":3}]}]'), (e) => {
      assert.equal(e.kind, "invalid-argument");
      assert.equal(e.data.argument, "groups-json");
      assert.equal(e.path, e.location);
      return true;
    });
    assert.throws(() => pkg.decode("users", "get", { status: 200, headers: [], body: "{}" }), (e) => e.kind === "invalid-argument" && e.code === "unknownValue");
    assert.throws(() => pkg.decode("user", "create", { status: 409, headers: [], body: '{"status":"409","scimType":"uniqueness","detail":"taken"}' }), (e) =>
      e.kind === "server" && e.httpStatus === 409 && e.status === 409 && e.scimType === "uniqueness" && e.detail === "taken");
  });
});

describe("conformance corpus", () => {
  test("has cases of every kind", () => {
    assert.ok(names.length >= 40, `${names.length} cases`);
  });
  for (const name of names) {
    test(name, () => {
      const result = runCase(kinds, casesDir, name);
      assert.ok(result.ok, result.message);
    });
  }
});
