// Browser entry: call `await init()` once before anything else (it fetches the .wasm next
// to this file, or takes a URL, Response, bytes or WebAssembly.Module).

import initWasm from "../wasm/scim_provision_js.js";
import initReports from "../wasm/scim_provision_report_js.js";
import { markInitialised } from "./errors.js";

type ModuleSource = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

let ready: Promise<unknown> | undefined;

/** The package's other modules, given instead of fetched (see `init`). */
export interface OtherModules {
  /** The SaaS-ops reports' module (`wasm/scim_provision_report_js_bg.wasm`). */
  reports?: ModuleSource;
}

/** Instantiates the package's WebAssembly modules (the engine and planner, and the SaaS-ops
 * reports), once; every other function throws a `ScimProvisionError` of code
 * `notInitialised` until the promise it returns resolved. By default each `.wasm` is fetched
 * from next to its glue (`wasm/scim_provision_js_bg.wasm`, `wasm/scim_provision_report_js_bg.wasm`);
 * `module` and `others` give them otherwise (bytes, a URL, a Response or a compiled module). */
export function init(module?: ModuleSource, others: OtherModules = {}): Promise<unknown> {
  const source = (m?: ModuleSource) => (m === undefined ? undefined : { module_or_path: m });
  ready ??= Promise.all([initWasm(source(module)), initReports(source(others.reports))]).then(([exports]) => {
    markInitialised();
    return exports;
  });
  return ready;
}

export * from "./index.js";
