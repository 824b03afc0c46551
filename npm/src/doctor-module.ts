// The server doctor's WebAssembly module (bindings/doctor-js), apart from the main one so
// that only a program that runs a doctor loads it. The entry (node.ts, web.ts) says how it is
// loaded; `Provisioner.doctor` loads it on first use, once.

import type * as DoctorWasm from "../wasm/scim_provision_doctor_js.js";

export type DoctorModule = typeof DoctorWasm;

/** The module's JavaScript glue; imported when a doctor first runs, not before. */
export const doctorGlue = (): Promise<DoctorModule> => import("../wasm/scim_provision_doctor_js.js");

let load: () => Promise<DoctorModule> = async () => {
  // Without an entry's loader: the glue's own default, the .wasm next to it.
  const glue = await doctorGlue();
  await glue.default();
  return glue;
};
let loaded: Promise<DoctorModule> | undefined;

/** How the entry loads the module (called by node.ts and web.ts). */
export function setDoctorLoader(loader: () => Promise<DoctorModule>): void {
  load = loader;
  loaded = undefined;
}

/** The initialised module; a failed load is tried again on the next call. */
export function doctorModule(): Promise<DoctorModule> {
  loaded ??= load().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
