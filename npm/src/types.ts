// The shapes exchanged with the core. Every JSON shape is generated from the Rust type that
// serializes or reads it (ts-rs, feature `ts`: `bash scripts/gen-types.sh` writes
// npm/src/generated/, and the test command fails when that directory is stale). Nothing here
// is written by hand but the facade-only types below, which have no Rust counterpart.

import type { DesiredState, HttpResponse, Mapping } from "./generated/index.js";

export type * from "./generated/index.js";

/** A directory file as its bytes, with its name (whose extension may say the format): the
 * core checks the bytes as UTF-8 and decodes them, CSV or JSON, so a file crosses into
 * WebAssembly once. Facade-only: the bytes are the file's, not a Rust type's JSON. */
export interface DesiredFile {
  bytes: Uint8Array;
  fileName?: string;
  /** Read the file as an HR or identity export through this attribute mapping: a built-in
   * mapping's name (`workday`, `bamboohr`, `google-workspace`), a mapping, or its JSON
   * (docs/MAPPING.md). */
  mapping?: string | Mapping;
}

/** The desired state as an object, as a directory's text (JSON or CSV: the facade's runs
 * hand it to the core as a file without a name, and the core reads the format as
 * `parseDesired` does; faster than an object for large inputs), or as a directory file's
 * bytes (the fastest: decoded where it is planned). The low-level `plan` reads text as JSON. Facade-only: a
 * binding takes any form and hands the core text or bytes, so there is no Rust type of "a
 * value or its text" to generate this from. */
export type DesiredInput = DesiredState | string | DesiredFile;

/** A response with its body as the bytes received (`response.arrayBuffer()`), as `decode`
 * takes it besides `HttpResponse`: the bytes go into the core as they are, checked as
 * UTF-8 there. Facade-only: the bytes are the wire's, not a Rust type's JSON. */
export type HttpResponseBytes = Omit<HttpResponse, "body"> & { body: Uint8Array };
