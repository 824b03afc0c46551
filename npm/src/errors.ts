// The error class every failure of the package is thrown as: structured, never a bare string.

export type ErrorKind =
  | "invalidInput"
  | "invalidDesiredState"
  | "invalidRequest"
  | "invalidResponse"
  | "invalidFilter"
  | "engineMisuse"
  | "server"
  | "transport"
  | "internal";

export interface ErrorFields {
  kind: ErrorKind;
  message: string;
  /** HTTP status, when a server answered. */
  status?: number | null;
  /** SCIM `scimType`, when the server gave one. */
  scimType?: string | null;
  /** SCIM `detail`, when the server gave one. */
  detail?: string | null;
  /** JSON path of a bad value in a desired-state document or a response. */
  path?: string | null;
  /** Bad rows of a CSV desired state. */
  rows?: Array<{ row: number; reason: string }> | null;
  /** Byte offset of a filter syntax error. */
  offset?: number | null;
}

export class ScimProvisionError extends Error {
  readonly kind: ErrorKind;
  readonly status: number | null;
  readonly scimType: string | null;
  readonly detail: string | null;
  readonly path: string | null;
  readonly rows: Array<{ row: number; reason: string }> | null;
  readonly offset: number | null;

  constructor(fields: ErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.name = "ScimProvisionError";
    this.kind = fields.kind;
    this.status = fields.status ?? null;
    this.scimType = fields.scimType ?? null;
    this.detail = fields.detail ?? null;
    this.path = fields.path ?? null;
    this.rows = fields.rows ?? null;
    this.offset = fields.offset ?? null;
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

/** Calls into the core, converting what it throws. */
export function core<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw ScimProvisionError.from(error);
  }
}
