// Node and Deno entry: loads the WebAssembly module synchronously from the package, then
// exposes the facade. Nothing to call first. The server doctor's module is read from the
// same directory when a doctor first runs.

import { readFileSync } from "node:fs";
import { initSync } from "../wasm/scim_provision_js.js";
import { doctorGlue, setDoctorLoader } from "./doctor-module.js";

initSync({ module: readFileSync(new URL("../wasm/scim_provision_js_bg.wasm", import.meta.url)) });
setDoctorLoader(async () => {
  const glue = await doctorGlue();
  glue.initSync({ module: readFileSync(new URL("../wasm/scim_provision_doctor_js_bg.wasm", import.meta.url)) });
  return glue;
});

export * from "./index.js";
