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
