// Browser entry: call `await init()` once before anything else (it fetches the .wasm next
// to this file, or takes a URL, Response, bytes or WebAssembly.Module).

import initWasm from "../wasm/scim_provision_js.js";

let ready: Promise<unknown> | undefined;

export function init(module?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<unknown> {
  ready ??= initWasm(module === undefined ? undefined : { module_or_path: module });
  return ready;
}

export * from "./index.js";
