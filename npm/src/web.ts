// Browser entry: call `await init()` once before anything else (it fetches the .wasm files
// next to this package's glue, or takes a URL, Response, bytes or WebAssembly.Module). The
// server doctor's module is fetched only when a doctor first runs.

import initWasm from "../wasm/scim_provision_js.js";
import initReports from "../wasm/scim_provision_report_js.js";
import { doctorGlue, setDoctorLoader } from "./doctor-module.js";
import { markInitialised } from "./errors.js";

type ModuleSource = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** The other modules' file names, as scripts/npm.sh builds them next to the main one. */
const REPORTS_WASM = "scim_provision_report_js_bg.wasm";
const DOCTOR_WASM = "scim_provision_doctor_js_bg.wasm";

/** The package's other modules, given instead of fetched (see `init`). */
export interface OtherModules {
  /** The SaaS-ops reports' module (`wasm/scim_provision_report_js_bg.wasm`). */
  reports?: ModuleSource;
  /** The server doctor's module (`wasm/scim_provision_doctor_js_bg.wasm`), fetched on the
   * first `Provisioner.doctor()` call. */
  doctor?: ModuleSource;
}

let ready: Promise<unknown> | undefined;

/** Instantiates the package's WebAssembly modules (the engine and planner, and the SaaS-ops
 * reports), once; every other function throws a `ScimProvisionError` of code
 * `notInitialised` until the promise it returns resolved. By default each `.wasm` is found
 * beside the main module (beside `module` when it is a URL, a string or a Request or
 * Response with a URL; else beside this package's glue); `others` gives them otherwise. The
 * server doctor's module is fetched on the first `Provisioner.doctor()` call. */
export function init(module?: ModuleSource, others: OtherModules = {}): Promise<unknown> {
  if (ready === undefined) {
    const doctor = others.doctor ?? besideMain(module, DOCTOR_WASM);
    setDoctorLoader(async () => {
      const glue = await doctorGlue();
      await glue.default(doctor === undefined ? undefined : { module_or_path: doctor });
      return glue;
    });
    const source = (m?: ModuleSource) => (m === undefined ? undefined : { module_or_path: m });
    const reports = others.reports ?? besideMain(module, REPORTS_WASM);
    ready = Promise.all([initWasm(source(module)), initReports(source(reports))]).then(([exports]) => {
      markInitialised();
      return exports;
    });
  }
  return ready;
}

/** `file`'s URL beside the main module's, when the main module came by URL. */
function besideMain(module: ModuleSource | undefined, file: string): URL | undefined {
  let url: string | undefined;
  if (typeof module === "string") url = module;
  else if (module instanceof URL) url = module.href;
  else if (typeof Request !== "undefined" && module instanceof Request) url = module.url;
  else if (typeof Response !== "undefined" && module instanceof Response && module.url) url = module.url;
  if (url === undefined) return undefined;
  // A relative URL is the page's, as fetch reads it.
  return new URL(file, new URL(url, globalThis.document?.baseURI ?? globalThis.location?.href));
}

export * from "./index.js";
