// Node and Deno entry: loads the WebAssembly module synchronously from the package, then
// exposes the facade. Nothing to call first.

import { readFileSync } from "node:fs";
import { initSync } from "../wasm/scim_provision_js.js";
import { markInitialised } from "./errors.js";

initSync({ module: readFileSync(new URL("../wasm/scim_provision_js_bg.wasm", import.meta.url)) });
markInitialised();

export * from "./index.js";
