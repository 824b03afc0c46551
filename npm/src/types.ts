// The shapes exchanged with the core. Every JSON shape is generated from the Rust type that
// serializes or reads it (ts-rs, feature `ts`: `bash scripts/gen-types.sh` writes
// npm/src/generated/, and the test command fails when that directory is stale). Nothing here
// is written by hand but the facade-only types below, which have no Rust counterpart.

import type { DesiredState } from "./generated/index.js";

export type * from "./generated/index.js";

/** The desired state as an object or as the JSON text of one (faster for large inputs).
 * Facade-only: a binding takes either form and hands the core JSON text, so there is no
 * Rust type of "a value or its text" to generate this from. */
export type DesiredInput = DesiredState | string;
