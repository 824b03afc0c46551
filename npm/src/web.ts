// Browser entry: call `await init()` once before anything else (it fetches the .wasm next
// to this file, or takes a URL, Response, bytes or WebAssembly.Module).

import initWasm from "../wasm/scim_provision_js.js";
import { markInitialised } from "./errors.js";

let ready: Promise<unknown> | undefined;

/** Instantiates the WebAssembly module, once; every other function throws a
 * `ScimProvisionError` of code `notInitialised` until the promise it returns resolved. */
export function init(module?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<unknown> {
  ready ??= initWasm(module === undefined ? undefined : { module_or_path: module }).then((exports) => {
    markInitialised();
    return exports;
  });
  return ready;
}

export * from "./index.js";
