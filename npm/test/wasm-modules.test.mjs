// The SaaS-ops reports (bindings/report-js) and the server doctor (bindings/doctor-js, loaded
// only when a doctor runs) ship as WebAssembly modules of their own, so that each stays within
// its size budget: the main module must not carry them again, nor they the engine's entry points.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const exportsOf = (file) =>
  WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(new URL(`../wasm/${file}`, import.meta.url)))).map((e) => e.name);

test("the main module exports no doctor and no reports", async () => {
  const names = exportsOf("scim_provision_js_bg.wasm");
  assert.ok(names.includes("engine_new"), `the main module's exports were read: ${names.slice(0, 5)}`);
  assert.deepEqual(names.filter((n) => /doctor|report|reviewcsv/i.test(n)), []);
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

test("the reports' module exports the reports and no engine or planner", async () => {
  const names = exportsOf("scim_provision_report_js_bg.wasm");
  assert.ok(names.includes("buildReport"), `the reports' module's exports: ${names}`);
  assert.deepEqual(names.filter((n) => /^(engine_|plan|decode|doctor)/i.test(n)), []);
});
