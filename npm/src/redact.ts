// The facade's last word on secrets: it holds the bearer token, so it removes the token from
// every string it hands out (events, run reports, plans, report results, thrown errors),
// whatever path the token took to get there (a server echoing it in an error detail, an
// HTML error page, a response header, a transport error message). The core already masks
// `Bearer …` and `Authorization: …` values in server text; this catches the token itself in
// any other form. One function, applied at every exit of the facade.

import { ScimProvisionError } from "./errors.js";

/** What the token is replaced with (the core masks to the same text). */
export const REDACTED = "[redacted]";

/** `value` with every occurrence of `token` in any of its strings replaced by `[redacted]`:
 * strings, arrays and plain objects are copied deeply, `ScimProvisionError`s (and other
 * errors) rebuilt with redacted fields; anything else is returned as is. No token (or an
 * empty one): `value` itself. */
export function redactToken<T>(value: T, token: string | undefined): T {
  if (!token) return value;
  return scrub(value, token) as T;
}

function scrub(value: unknown, token: string): unknown {
  if (typeof value === "string") return value.includes(token) ? value.split(token).join(REDACTED) : value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, token));
  if (value instanceof ScimProvisionError) return scrubError(value, token);
  if (value instanceof Error) {
    // An error the facade did not make (a fetch's, a callback's): redacted in place, since
    // its class may matter to the caller.
    value.message = scrub(value.message, token) as string;
    if (value.stack) value.stack = scrub(value.stack, token) as string;
    return value;
  }
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = scrub(item, token);
    return out;
  }
  return value;
}

/** A new error with every field redacted. Its `cause` (the core's original error, which may
 * quote the token) is left out on purpose. */
function scrubError(e: ScimProvisionError, token: string): ScimProvisionError {
  const s = <T>(v: T): T => scrub(v, token) as T;
  const copy = new ScimProvisionError({
    kind: e.kind,
    code: e.code,
    message: s(e.message),
    httpStatus: e.httpStatus,
    scimType: s(e.scimType),
    detail: s(e.detail),
    location: s(e.location),
    data: s(e.data),
    path: s(e.path),
    rows: s(e.rows),
    offset: e.offset,
  });
  return copy;
}
