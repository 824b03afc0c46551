// Node and Deno entry: loads the WebAssembly modules synchronously from the package, then
// exposes the facade. Nothing to call first.

import { readFileSync } from "node:fs";
import { initSync } from "../wasm/scim_provision_js.js";
import { initSync as initReportsSync } from "../wasm/scim_provision_report_js.js";
import { markInitialised } from "./errors.js";

// Two modules: the engine and planner, and the SaaS-ops reports (each within its size budget).
initSync({ module: readFileSync(new URL("../wasm/scim_provision_js_bg.wasm", import.meta.url)) });
initReportsSync({ module: readFileSync(new URL("../wasm/scim_provision_report_js_bg.wasm", import.meta.url)) });
markInitialised();

export * from "./index.js";
