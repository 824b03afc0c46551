// The fetch host loop: moves the engine's requests over any WHATWG fetch and hands the
// answers back. It decides nothing: concurrency, timers, retries and what to do next are the
// engine's outputs.

import { core, ScimProvisionError } from "./errors.js";
import { redactToken } from "./redact.js";
import type { EngineEvent, HttpRequest, Input, Output, Plan, RunReport } from "./types.js";

/** The engine as the host loop needs it (the wasm-bindgen class, or any lookalike). */
export interface EngineLike {
  pollOutput(nowMs: number): Output;
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
  /** Answers a plan shown for approval (`review` output, mode `review`): `true` approves
   * that plan (by its digest), `false` declines it. Absent: declined. */
  onReview?: (plan: Plan) => boolean | Promise<boolean>;
  /** Stops the run cleanly; the report says what was done. */
  signal?: AbortSignal;
  /** The clock, in milliseconds (default Date.now). */
  now?: () => number;
  /** A request with no answer after this long is abandoned and reported to the engine as a
   * transport failure, which it retries as it retries any other (default 60 000). */
  requestTimeoutMs?: number;
}

/** A request's end: its answer (the body as bytes) or the input saying it had none. */
type Settled = { id: number; status: number; headers: [string, string][]; body: Uint8Array } | { id: number; input: Input };

/** Drives `engine` to the end over HTTP and returns its report. The token never leaves it:
 * events, the report and errors are handed out with it replaced by `[redacted]`. */
export async function drive(engine: EngineLike, host: HostOptions): Promise<RunReport> {
  try {
    return redactToken(await run(engine, host), host.token);
  } catch (error) {
    throw redactToken(error, host.token);
  }
}

async function run(engine: EngineLike, host: HostOptions): Promise<RunReport> {
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
      .then(
        // The body's bytes go to the engine as they came: one copy, into WebAssembly memory.
        async (res): Promise<Settled> => ({ id, status: res.status, headers: answerHeaders(res.headers, host.token), body: new Uint8Array(await res.arrayBuffer()) }),
      )
      .catch((err: unknown): Settled => {
        const reason = timedOut ? `no answer within ${timeoutMs} ms` : transportReason(err);
        return { id, input: { type: "failed", id, reason } };
      })
      .finally(() => {
        clearTimeout(timer);
        controller.signal.removeEventListener("abort", stop);
      });
  };

  try {
    for (;;) {
      if (host.signal?.aborted && !aborted) {
        aborted = true;
        engine.abort();
      }
      const out = core(() => engine.pollOutput(now()));
      switch (out.type) {
        case "send":
          inFlight.set(out.id, send(out.id, out.request));
          continue;
        case "event":
          host.onProgress?.(redactToken(out.event, host.token));
          continue;
        case "done":
          return out.report;
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
          if (out.untilMs !== null && out.untilMs !== undefined) {
            const delay = Math.max(0, out.untilMs - now());
            waits.push(new Promise((resolve) => (timer = setTimeout(() => resolve(null), delay))));
          }
          if (host.signal) waits.push(abortWait);
          if (waits.length === 0) {
            throw new ScimProvisionError({ kind: "internal", message: "the engine waits, but nothing is in flight or scheduled" });
          }
          const settled = await Promise.race(waits);
          if (timer !== undefined) clearTimeout(timer);
          if (settled) {
            inFlight.delete(settled.id);
            if ("input" in settled) core(() => engine.handleInput(settled.input, now()));
            else core(() => engine.handleResponse(settled.id, settled.status, settled.headers, settled.body, now()));
          }
        }
      }
    }
  } finally {
    // Whatever is still in flight is no longer wanted.
    controller.abort();
  }
}

/** The response headers the core is given: none that carries credentials (a server echoing
 * the request's `Authorization` back), none holding the token. The core reads only
 * `Retry-After` today; this keeps it that way should it read more. */
function answerHeaders(headers: Headers, token: string | undefined): [string, string][] {
  return [...headers].filter(([name, value]) => !/authorization/i.test(name) && !(token && value.includes(token)));
}

/** A fetch failure in words, with the network cause where the fetch names one (undici's
 * "fetch failed" alone does not say whether the host refused, timed out or did not resolve). */
function transportReason(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}
