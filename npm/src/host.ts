// The fetch host loop: moves the engine's requests over any WHATWG fetch and hands the
// answers back. It decides nothing: concurrency, timers, retries and what to do next are the
// engine's outputs.

import { core, ScimProvisionError } from "./errors.js";
import { redactToken } from "./redact.js";
import type { DoctorOutput, EngineEvent, HttpRequest, Input, Output, Plan, RunReport } from "./types.js";

/** The engine as the host loop needs it (the wasm-bindgen class, or any lookalike; the
 * server doctor is driven by the same loop). */
export interface EngineLike {
  pollOutput(nowMs: number): Output | DoctorOutput;
  /** An answer: its body as the bytes received (the core checks them as UTF-8). */
  handleResponse(id: number, status: number, headers: [string, string][], body: Uint8Array, nowMs: number): void;
  /** Any other input: a transport failure, an approval, a decline. */
  handleInput(input: Input, nowMs: number): void;
  abort(): void;
}

export interface HostOptions {
  /** Where requests go: scheme, host and port (the engine's paths carry the base path). */
  origin: string;
  /** Any WHATWG fetch (default: the global one). */
  fetch?: typeof fetch;
  /** Added as `Authorization: Bearer <token>`; never passed to the core. */
  token?: string;
  /** More headers for every request. */
  headers?: Record<string, string>;
  /** Called with each progress, plan, action and warning event. */
  onProgress?: (event: EngineEvent) => void;
  /** Called with each provisioning log line (JSON text, without its newline; the config's
   * `log` asks the engine for them), with the token replaced by `[redacted]`. */
  onLog?: (line: string) => void;
  /** Answers a plan shown for approval (`review` output, mode `review`): `true` approves
   * that plan (by its digest), `false` declines it. Absent: declined. */
  onReview?: (plan: Plan) => boolean | Promise<boolean>;
  /** Stops the run cleanly: nothing more is sent, the answers in flight are awaited (at most
   * `stopGraceMs`), and the report says what was done. */
  signal?: AbortSignal;
  /** How long a stopped run waits for the answers in flight (default 10 000 ms); then it
   * ends at once, those answers unread. */
  stopGraceMs?: number;
  /** The clock, in milliseconds (default Date.now). */
  now?: () => number;
  /** A request with no answer after this long is abandoned and reported to the engine as a
   * transport failure, which it retries as it retries any other (default 60 000). */
  requestTimeoutMs?: number;
}

/** A request's end: its answer (the body as bytes, in a buffer to `release` once the engine
 * has them) or the input saying it had none. */
type Settled = { id: number; status: number; headers: [string, string][]; body: Uint8Array; release: () => void } | { id: number; input: Input };

/** Drives `engine` to the end over HTTP and returns its report (a `RunReport`, or the
 * doctor's `DoctorReport`). The token never leaves it: events, the report and errors are
 * handed out with it replaced by `[redacted]`. */
export async function drive<R = RunReport>(engine: EngineLike, host: HostOptions): Promise<R> {
  try {
    return redactToken(await run<R>(engine, host), host.token);
  } catch (error) {
    throw redactToken(error, host.token);
  }
}

async function run<R>(engine: EngineLike, host: HostOptions): Promise<R> {
  const fetchFn = host.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") {
    throw new ScimProvisionError({ kind: "invalid-argument", message: "no fetch available: pass one as { fetch }" });
  }
  const now = host.now ?? Date.now;
  const controller = new AbortController();
  const inFlight = new Map<number, Promise<Settled>>();
  let aborted = false;
  const abortWait = new Promise<null>((resolve) => {
    if (host.signal?.aborted) resolve(null);
    host.signal?.addEventListener("abort", () => resolve(null), { once: true });
  });

  const timeoutMs = host.requestTimeoutMs ?? 60_000;
  const bodies = new BodyPool();
  const send = (id: number, request: HttpRequest): Promise<Settled> => {
    const headers = new Headers(request.headers);
    for (const [k, v] of Object.entries(host.headers ?? {})) headers.set(k, v);
    if (host.token) headers.set("Authorization", `Bearer ${host.token}`);
    // One controller per request: the run's end and this request's deadline both abort it.
    const single = new AbortController();
    const stop = () => single.abort();
    controller.signal.addEventListener("abort", stop, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      single.abort();
    }, timeoutMs);
    return fetchFn(host.origin + request.path, {
      method: request.method,
      headers,
      body: request.body ?? undefined,
      signal: single.signal,
    })
      .then(async (res): Promise<Settled> => {
        // The body's bytes go to the engine as they came: one copy, into WebAssembly memory.
        const { bytes, release } = await bodies.read(res);
        return { id, status: res.status, headers: answerHeaders(res.headers, host.token), body: bytes, release };
      })
      .catch((err: unknown): Settled => {
        const reason = timedOut ? `no answer within ${timeoutMs} ms` : transportReason(err);
        return { id, input: { type: "failed", id, reason } };
      })
      .finally(() => {
        clearTimeout(timer);
        controller.signal.removeEventListener("abort", stop);
      });
  };

  // Once stopped: when the engine stops waiting for the answers in flight.
  let stopBy: number | undefined;
  try {
    for (;;) {
      if (host.signal?.aborted && !aborted) {
        aborted = true;
        stopBy = now() + (host.stopGraceMs ?? 10_000);
        engine.abort();
      } else if (stopBy !== undefined && now() >= stopBy) {
        // Called again, the engine ends the run at once.
        stopBy = undefined;
        engine.abort();
      }
      const out = core(() => engine.pollOutput(now()));
      switch (out.type) {
        case "send":
          inFlight.set(out.id, send(out.id, out.request));
          continue;
        case "event":
          if (out.event.type === "log") host.onLog?.(redactToken(out.event.line, host.token));
          else host.onProgress?.(redactToken(out.event, host.token));
          continue;
        case "done":
          return out.report as R;
        case "review": {
          // The approval names the digest of the plan shown: the engine applies no other.
          const approved = (await host.onReview?.(redactToken(out.plan, host.token))) ?? false;
          const answer: Input = approved ? { type: "approve", digest: out.plan.digest ?? "" } : { type: "decline" };
          core(() => engine.handleInput(answer, now()));
          continue;
        }
        case "wait": {
          const waits: Array<Promise<Settled | null>> = [...inFlight.values()];
          let timer: ReturnType<typeof setTimeout> | undefined;
          const until = out.untilMs ?? stopBy;
          if (until !== null && until !== undefined) {
            const delay = Math.max(0, Math.min(until, stopBy ?? until) - now());
            waits.push(new Promise((resolve) => (timer = setTimeout(() => resolve(null), delay))));
          }
          if (host.signal && !aborted) waits.push(abortWait);
          if (waits.length === 0) {
            throw new ScimProvisionError({ kind: "internal", message: "the engine waits, but nothing is in flight or scheduled" });
          }
          const settled = await Promise.race(waits);
          if (timer !== undefined) clearTimeout(timer);
          if (settled) {
            inFlight.delete(settled.id);
            if ("input" in settled) core(() => engine.handleInput(settled.input, now()));
            else {
              try {
                core(() => engine.handleResponse(settled.id, settled.status, settled.headers, settled.body, now()));
              } finally {
                settled.release();
              }
            }
          }
        }
      }
    }
  } finally {
    // Whatever is still in flight is no longer wanted.
    controller.abort();
  }
}

/** Response bodies read into buffers that are used again: each answer's bytes are copied
 * once from the network's chunks into a buffer of the pool (as `arrayBuffer()` copies them
 * into a new one), handed to the engine, which copies them into WebAssembly memory, and the
 * buffer serves a later answer. A new `ArrayBuffer` per answer is garbage V8 collects late:
 * listing 100k users (26 MB of pages), the CLI peaked at 270 MiB RSS with `arrayBuffer()`
 * and at 252 MiB with this (median of 3, `npm/bench/cli-plan.mjs`). */
class BodyPool {
  readonly #free: Uint8Array[] = [];

  async read(res: Response): Promise<{ bytes: Uint8Array; release: () => void }> {
    const reader = res.body?.getReader?.();
    // No stream (no body, or a fetch lookalike's response): its bytes as it gives them.
    if (!reader) return { bytes: new Uint8Array(await res.arrayBuffer()), release: () => {} };
    let buffer = this.#free.pop() ?? new Uint8Array(64 * 1024);
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, length + value.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(value, length);
      length += value.length;
    }
    const kept = buffer;
    return { bytes: kept.subarray(0, length), release: () => this.#free.push(kept) };
  }
}

/** The response headers the core is given: none that carries credentials (a server echoing
 * the request's `Authorization` back), none holding the token. The core reads only
 * `Retry-After` today; this keeps it that way should it read more. */
function answerHeaders(headers: Headers, token: string | undefined): [string, string][] {
  return [...headers].filter(([name, value]) => !/authorization/i.test(name) && !(token && value.includes(token)));
}

/** The messages browsers give every failed fetch (Chromium, Firefox, Safari): by design they
 * do not say why. */
const OPAQUE_BROWSER_FAILURES = new Set(["Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed"]);

/** A fetch failure in words, with the network cause where the fetch names one (undici's
 * "fetch failed" alone does not say whether the host refused, timed out or did not resolve),
 * and what a browser's opaque failure usually is. */
function transportReason(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  if (OPAQUE_BROWSER_FAILURES.has(message)) {
    return `${message} (the browser gives no reason: most often CORS, a SCIM server sending no CORS headers for this page's origin; an extension needs a host permission for the server's origin; see "In a browser page or extension" in the package's README)`;
  }
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}
