// Node and Deno entry: loads the WebAssembly modules synchronously from the package, then
// exposes the facade. Nothing to call first. The server doctor's module is read from the
// same directory when a doctor first runs.

import { readFileSync } from "node:fs";
import { initSync } from "../wasm/scim_provision_js.js";
import { initSync as initReportsSync } from "../wasm/scim_provision_report_js.js";
import { doctorGlue, setDoctorLoader } from "./doctor-module.js";
import { markInitialised } from "./errors.js";

// The engine and planner, and the SaaS-ops reports: two modules, each within its size budget.
initSync({ module: readFileSync(new URL("../wasm/scim_provision_js_bg.wasm", import.meta.url)) });
initReportsSync({ module: readFileSync(new URL("../wasm/scim_provision_report_js_bg.wasm", import.meta.url)) });
markInitialised();
setDoctorLoader(async () => {
  const glue = await doctorGlue();
  glue.initSync({ module: readFileSync(new URL("../wasm/scim_provision_doctor_js_bg.wasm", import.meta.url)) });
  return glue;
});

export * from "./index.js";
