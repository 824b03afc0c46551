// The error class every failure of the package is thrown as: structured, never a bare string.
//
// Errors of the core carry the core's one structured error record (Rust
// `scim_provision_host::fault::Fault`), the same fields and values the WebAssembly component's
// WIT `error` record has: `kind`, `code`, `message`, `httpStatus`, `scimType`, `detail`,
// `location` and `data`. `toJSON()` returns exactly that record.

import type { CsvRowError, Fault, FaultKind } from "./types.js";

/** Which core error: the same names as the component's WIT `error-kind` (generated from the
 * host crate's `FaultKind`). A run that ended `failed` without a server error to show is
 * `run-failed`, as the core reads the run report. */
export type CoreErrorKind = FaultKind;

/** Raised by the package itself, not by the core: `internal`, a fault of the package (or its
 * WebAssembly glue) that no core error describes; `not-initialised` (code `notInitialised`),
 * a call before the WebAssembly module was instantiated (the web entry's `init()` not
 * awaited). Bad options to the facade are `invalid-argument`, as in the core. Facade-only:
 * they have no Rust counterpart. */
export type FacadeErrorKind = "internal" | "not-initialised";

export type ErrorKind = CoreErrorKind | FacadeErrorKind;

export type { CsvRowError };

/** The core's structured error record (`Fault`, generated), as `ScimProvisionError.toJSON()`
 * returns it; `kind` may also be the facade's own `internal`. */
export type ErrorRecord = Omit<Fault, "kind" | "data"> & {
  kind: ErrorKind;
  /** Every field of the core error. */
  data: Record<string, unknown>;
};

export interface ErrorFields {
  kind: ErrorKind;
  message: string;
  /** The core error's variant; defaults to `kind`. */
  code?: string | null;
  /** HTTP status, when a server answered. */
  httpStatus?: number | null;
  /** Same as `httpStatus` (the older name). */
  status?: number | null;
  /** SCIM `scimType`, when the server gave one. */
  scimType?: string | null;
  /** SCIM `detail`, when the server gave one. */
  detail?: string | null;
  /** Where: a JSON path, CSV rows, a byte offset. */
  location?: string | null;
  /** Every field of the core error. */
  data?: Record<string, unknown> | null;
  /** JSON path of a bad value (default: `data.path`). */
  path?: string | null;
  /** Bad rows of a CSV desired state (default: `data.rows`). */
  rows?: CsvRowError[] | null;
  /** Byte offset of a filter syntax error (default: `data.offset`). */
  offset?: number | null;
}

export class ScimProvisionError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly httpStatus: number | null;
  readonly scimType: string | null;
  readonly detail: string | null;
  readonly location: string | null;
  readonly data: Record<string, unknown>;
  /** Same as `httpStatus`. */
  readonly status: number | null;
  /** JSON path of a bad value in a desired-state document, an argument or a response. */
  readonly path: string | null;
  /** Bad rows of a CSV desired state. */
  readonly rows: CsvRowError[] | null;
  /** Byte offset of a filter syntax error. */
  readonly offset: number | null;

  constructor(fields: ErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.name = "ScimProvisionError";
    const data = fields.data ?? {};
    this.kind = fields.kind;
    this.code = fields.code ?? fields.kind;
    this.httpStatus = fields.httpStatus ?? fields.status ?? null;
    this.scimType = fields.scimType ?? null;
    this.detail = fields.detail ?? null;
    this.location = fields.location ?? null;
    this.data = data;
    this.status = this.httpStatus;
    this.path = fields.path ?? (typeof data.path === "string" ? data.path : null);
    this.rows = fields.rows ?? (Array.isArray(data.rows) ? (data.rows as CsvRowError[]) : null);
    this.offset = fields.offset ?? (typeof data.offset === "number" ? data.offset : null);
  }

  /** The structured error record: the same fields the component's WIT `error` has. */
  toJSON(): ErrorRecord {
    return {
      kind: this.kind,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      scimType: this.scimType,
      detail: this.detail,
      location: this.location,
      data: this.data,
    };
  }

  /** Rethrows what the WebAssembly core threw (an Error carrying `kind`...) as this class. */
  static from(error: unknown): ScimProvisionError {
    if (error instanceof ScimProvisionError) return error;
    const e = error as Partial<ErrorFields> & { message?: string };
    if (e && typeof e === "object" && typeof e.kind === "string") {
      return new ScimProvisionError({ ...e, kind: e.kind as ErrorKind, message: e.message ?? String(error) }, { cause: error });
    }
    return new ScimProvisionError({ kind: "internal", message: String((error as Error)?.message ?? error) }, { cause: error });
  }
}

let initialised = false;

/** Called by the entry points (`node`, and `web` once `init()` resolved) when the
 * WebAssembly module is instantiated. */
export function markInitialised(): void {
  initialised = true;
}

/** Calls into the core, converting what it throws. Before the module is instantiated the
 * glue would throw "Cannot read properties of undefined"; this says what to do instead. */
export function core<T>(call: () => T): T {
  if (!initialised) {
    throw new ScimProvisionError({
      kind: "not-initialised",
      code: "notInitialised",
      message: 'the WebAssembly module is not initialised: call and await init() first (import { init } from "scim-provision/web"; await init())',
    });
  }
  try {
    return call();
  } catch (error) {
    throw ScimProvisionError.from(error);
  }
}
