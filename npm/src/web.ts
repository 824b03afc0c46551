// Browser entry: call `await init()` once before anything else (it fetches the .wasm next
// to this file, or takes a URL, Response, bytes or WebAssembly.Module). The server doctor's
// module is fetched only when a doctor first runs, from beside the main one.

import initWasm from "../wasm/scim_provision_js.js";
import { doctorGlue, setDoctorLoader } from "./doctor-module.js";

type ModuleSource = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** The doctor module's file name, as scripts/npm.sh builds it next to the main one. */
const DOCTOR_WASM = "scim_provision_doctor_js_bg.wasm";

let ready: Promise<unknown> | undefined;

/** Instantiates the main WebAssembly module, once. `doctor` says where the server doctor's
 * module is, fetched on the first `Provisioner.doctor()` call: by default the file
 * `scim_provision_doctor_js_bg.wasm` beside the main module (beside `module` when it is a
 * URL, a string or a Request or Response with a URL; else beside this package's .wasm). */
export function init(module?: ModuleSource, doctor?: ModuleSource): Promise<unknown> {
  if (ready === undefined) {
    const source = doctor ?? besideMain(module);
    setDoctorLoader(async () => {
      const glue = await doctorGlue();
      await glue.default(source === undefined ? undefined : { module_or_path: source });
      return glue;
    });
    ready = initWasm(module === undefined ? undefined : { module_or_path: module });
  }
  return ready;
}

/** The doctor module's URL beside the main module's, when the main module came by URL. */
function besideMain(module: ModuleSource | undefined): URL | undefined {
  let url: string | undefined;
  if (typeof module === "string") url = module;
  else if (module instanceof URL) url = module.href;
  else if (typeof Request !== "undefined" && module instanceof Request) url = module.url;
  else if (typeof Response !== "undefined" && module instanceof Response && module.url) url = module.url;
  if (url === undefined) return undefined;
  // A relative URL is the page's, as fetch reads it.
  return new URL(DOCTOR_WASM, new URL(url, globalThis.document?.baseURI ?? globalThis.location?.href));
}

export * from "./index.js";
