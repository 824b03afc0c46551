// The facade's last word on secrets: it holds the bearer token, so it removes the token from
// every string it hands out (events, run reports, plans, report results, thrown errors),
// whatever path the token took to get there (a server echoing it in an error detail, an
// HTML error page, a response header, a transport error message). The core already masks
// `Bearer …` and `Authorization: …` values in server text; this catches the token itself in
// any other form. One function, applied at every exit of the facade.

import { ScimProvisionError } from "./errors.js";

/** What the token is replaced with (the core masks to the same text). */
export const REDACTED = "[redacted]";

/** Shorter tokens are not searched for: replacing every "t" of a test token would mangle
 * every word (and every id of a plan) while hiding nothing of value. The CLI's last-resort
 * redaction uses the same bound. */
export const MIN_REDACTED_TOKEN_LENGTH = 4;

/** `value` with every occurrence of `token` in any of its strings replaced by `[redacted]`:
 * strings, arrays and plain objects that hold the token are copied (the rest is shared),
 * `ScimProvisionError`s rebuilt with redacted fields, other errors redacted in place;
 * anything else is returned as is. No token, or one shorter than
 * `MIN_REDACTED_TOKEN_LENGTH`: `value` itself. */
export function redactToken<T>(value: T, token: string | undefined): T {
  if (!token || token.length < MIN_REDACTED_TOKEN_LENGTH) return value;
  return scrub(value, token) as T;
}

// Copy on write: a value without the token comes back as it is (a listing of 100,000 users
// is not copied to find nothing).
function scrub(value: unknown, token: string): unknown {
  if (typeof value === "string") return value.includes(token) ? value.split(token).join(REDACTED) : value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = scrub(item, token);
      if (clean !== item) (out ??= value.slice())[i] = clean;
    });
    return out ?? value;
  }
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
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const clean = scrub(item, token);
      if (clean !== item) (out ??= { ...value })[key] = clean;
    }
    return out ?? value;
  }
  return value;
}

/** A new error with every field redacted when any holds the token; its `cause` (the core's
 * original error, which may quote the token too) is then left out on purpose. */
function scrubError(e: ScimProvisionError, token: string): ScimProvisionError {
  if (!mentions(e.toJSON(), token) && !(e.stack ?? "").includes(token) && !mentions(e.cause, token)) return e;
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

/** Whether `value` (an error's message and stack, an object's JSON) mentions `token`; an
 * unserializable value (a cycle, a BigInt) counts as mentioning it, to be safe. */
function mentions(value: unknown, token: string): boolean {
  if (value === undefined || value === null) return false;
  const extra = value instanceof Error ? `${value.message} ${value.stack ?? ""} ` : "";
  try {
    return (extra + (JSON.stringify(value instanceof Error ? { ...value } : value) ?? String(value))).includes(token);
  } catch {
    return true;
  }
}
