// The server doctor ships as a WebAssembly module of its own, loaded only when a doctor runs
// (bindings/doctor-js), so that the main module stays within its size budget: the main module
// must not carry the doctor again, and the doctor's must not carry the engine's entry points.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const exportsOf = (file) =>
  WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(new URL(`../wasm/${file}`, import.meta.url)))).map((e) => e.name);

test("the main module exports no doctor", async () => {
  const names = exportsOf("scim_provision_js_bg.wasm");
  assert.ok(names.includes("engine_new"), `the main module's exports were read: ${names.slice(0, 5)}`);
  assert.deepEqual(names.filter((n) => /doctor/i.test(n)), []);
  const glue = await import("../wasm/scim_provision_js.js");
  assert.equal(typeof glue.Engine, "function");
  assert.equal(glue.Doctor, undefined);
});

test("the doctor module exports the doctor and no engine or planner", async () => {
  const names = exportsOf("scim_provision_doctor_js_bg.wasm");
  assert.ok(names.includes("doctor_new"), `the doctor module's exports: ${names}`);
  assert.deepEqual(names.filter((n) => /^(engine_|plan|decode|buildreport)/i.test(n)), []);
  const glue = await import("../wasm/scim_provision_doctor_js.js");
  assert.equal(typeof glue.Doctor, "function");
  assert.equal(glue.Engine, undefined);
});
