// The package's facade: `Provisioner` runs the core's engine over fetch; the low-level
// `Engine` and the codec, planner and report functions are exported for hosts with their
// own loop. Requires the WebAssembly module to be initialized (automatic in Node and Deno;
// `await init()` from "scim-provision/web" in browsers).

import * as wasm from "../wasm/scim_provision_js.js";
import { core, ScimProvisionError } from "./errors.js";
import { drive, type HostOptions } from "./host.js";
import { buildReport, type BuildReportOptions } from "./lowlevel.js";
import { redactToken } from "./redact.js";
import type {
  ActualState,
  DesiredInput,
  DesiredState,
  EngineConfig,
  EngineEvent,
  Group,
  HttpResponse,
  Input,
  OpsReport,
  Output,
  Plan,
  Policy,
  Profile,
  RunReport,
  User,
} from "./types.js";

export * from "./types.js";
export { ScimProvisionError, type ErrorFields, type ErrorKind } from "./errors.js";
export { drive, type EngineLike, type HostOptions } from "./host.js";
export { MIN_REDACTED_TOKEN_LENGTH, REDACTED, redactToken } from "./redact.js";

/** The sans-IO engine: `pollOutput(nowMs)` until `wait` or `done`; `handleInput` answers. */
export class Engine {
  readonly #inner: wasm.Engine;

  constructor(config: EngineConfig | string, desired: DesiredInput) {
    this.#inner = core(() => new wasm.Engine(config, desired));
  }

  pollOutput(nowMs: number): Output {
    return core(() => this.#inner.pollOutput(nowMs)) as Output;
  }

  handleInput(input: Input, nowMs: number): void {
    core(() => this.#inner.handleInput(input, nowMs));
  }

  abort(): void {
    this.#inner.abort();
  }

  listedState(): ActualState {
    return core(() => this.#inner.listedState()) as ActualState;
  }

  /** Frees the WebAssembly memory now instead of at garbage collection. */
  free(): void {
    this.#inner.free();
  }
}

export interface ProvisionerOptions {
  /** The SCIM base URL, such as https://airtable.com/scim/v2. */
  baseUrl: string;
  /** A built-in profile name (`airtable`, `generic`, ...) or a profile object. Default `generic`. */
  profile?: string | Profile;
  policy?: Policy;
  /** Sent as a bearer token by the facade; never enters the WebAssembly core. */
  token?: string;
  headers?: Record<string, string>;
  maxInFlight?: number;
  requestsPerSecond?: number;
  seed?: number;
  /** Apply plans even when a safety guard blocked them. */
  allowBlocked?: boolean;
  /** Abandon a request with no answer after this long; the engine retries it (default 60 000). */
  requestTimeoutMs?: number;
}

export interface RunOptions {
  fetch?: typeof fetch;
  onProgress?: (event: EngineEvent) => void;
  signal?: AbortSignal;
}

export interface ApplyOptions extends RunOptions {
  /** The desired state the plan was made from (default: the last one given to `plan`). */
  desired?: DesiredInput;
  /** Apply a fresh plan if the server changed since the plan was made. */
  replan?: boolean;
}

export interface ReportOptions extends RunOptions {
  /** The directory: adds the stale accounts and the seats it needs. */
  desired?: DesiredInput;
  purchasedSeats?: number;
  /** The snapshot time (default now). */
  takenAtMs?: number;
}

/** A report with the listing it was computed from. `report.complete` is false when the
 * listing was incomplete (`report.incomplete` says why): the figures may then be short. */
export interface ReportResult {
  report: OpsReport;
  users: User[];
  groups: Group[];
  /** The plan the stale accounts come from (null without a directory). */
  plan: Plan | null;
  /** The self-contained HTML page of this report. */
  toHtml(): string;
  /** The Airtable admin-panel CSV of the listed users (injection-safe). */
  toCsv(): string;
}

/** Plans and applies a directory to a SCIM server over any fetch. */
export class Provisioner {
  readonly #options: ProvisionerOptions;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #profile: Profile;
  #lastDesired: DesiredInput | undefined;

  constructor(options: ProvisionerOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new ScimProvisionError({ kind: "invalid-argument", message: `baseUrl ${JSON.stringify(options.baseUrl)} is not a URL` }, { cause });
    }
    this.#options = options;
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#profile = resolveProfile(options.profile ?? "generic");
  }

  /** Lists the server and returns the plan that would bring it to `desired`. Writes nothing. */
  async plan(desired: DesiredInput, run: RunOptions = {}): Promise<Plan> {
    return this.#redacted(async () => {
      const report = await this.#run({ mode: "planOnly" }, desired, run);
      this.#lastDesired = desired;
      if (!report.plan) throw failure(report);
      return report.plan;
    });
  }

  /** Applies a reviewed plan. It is checked against its digest first (`checkPlan`: an edited
   * plan throws before any request); then the server is listed again, and the run is
   * refused if the server changed since the plan was made, or the directory or policy is not
   * the one it was made from (unless `replan`), or if a guard blocked the plan. */
  async apply(plan: Plan | string, run: ApplyOptions = {}): Promise<RunReport> {
    const desired = run.desired ?? this.#lastDesired;
    if (desired === undefined) {
      throw new ScimProvisionError({ kind: "invalid-argument", message: "apply needs the desired state the plan was made from: pass { desired }" });
    }
    return this.#redacted(() => {
      // Refused before any request when the plan was edited (or carries no digest).
      const reviewed = checkPlan(plan);
      return this.#run({ mode: "applyApproved", plan: reviewed, replan: run.replan ?? false }, desired, run);
    });
  }

  /** Plans and applies in one go: calling this is the explicit approval. */
  async sync(desired: DesiredInput, run: RunOptions = {}): Promise<RunReport> {
    return this.#redacted(() => this.#run({ mode: "planAndApply" }, desired, run));
  }

  /** Lists the server and computes the SaaS-ops report (seats, chargeback, stale accounts
   * when `desired` is given, access snapshot); the result also renders the self-contained
   * HTML page and the admin-panel CSV of the same listing. */
  async report(options: ReportOptions = {}): Promise<ReportResult> {
    const desired: DesiredInput = options.desired ?? { users: [], groups: [] };
    const engine = new Engine(this.#config({ mode: "planOnly" }), desired);
    try {
      const done = await drive(engine, this.#host(options));
      if (done.status === "failed") throw failure(done);
      const { users, groups } = this.#redact(engine.listedState());
      const plan = options.desired !== undefined ? done.plan ?? null : null;
      const reportOptions = {
        takenAtMs: options.takenAtMs ?? Date.now(),
        purchasedSeats: options.purchasedSeats ?? null,
        desired: plan ? toDesiredObject(desired) : null,
        policy: this.#options.policy ?? null,
        // The core says in the report whether (and why) the listing was incomplete.
        listing: done.listing,
      };
      return {
        report: this.#redact(buildReport(users, groups, plan, reportOptions)),
        users,
        groups,
        plan,
        toHtml: () => this.#redact(reportHtml(users, groups, plan, reportOptions)),
        toCsv: () => this.#redact(reportCsv(users, groups)),
      };
    } catch (error) {
      throw this.#redact(error);
    } finally {
      engine.free();
    }
  }

  /** `value` without the token (see `redactToken`). */
  #redact<T>(value: T): T {
    return redactToken(value, this.#options.token);
  }

  /** Runs `body`, redacting the token from what it returns and throws. */
  async #redacted<T>(body: () => Promise<T>): Promise<T> {
    try {
      return this.#redact(await body());
    } catch (error) {
      throw this.#redact(error);
    }
  }

  #config(mode: EngineConfig["mode"]): EngineConfig {
    const o = this.#options;
    return {
      basePath: this.#basePath,
      profile: this.#profile,
      mode,
      ...(o.policy ? { policy: o.policy } : {}),
      ...(o.maxInFlight !== undefined ? { maxInFlight: o.maxInFlight } : {}),
      ...(o.requestsPerSecond !== undefined ? { requestsPerSecond: o.requestsPerSecond } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.allowBlocked !== undefined ? { allowBlocked: o.allowBlocked } : {}),
    };
  }

  #host(run: RunOptions): HostOptions {
    return {
      origin: this.#origin,
      fetch: run.fetch,
      token: this.#options.token,
      headers: this.#options.headers,
      onProgress: run.onProgress,
      signal: run.signal,
      requestTimeoutMs: this.#options.requestTimeoutMs,
    };
  }

  async #run(mode: EngineConfig["mode"], desired: DesiredInput, run: RunOptions): Promise<RunReport> {
    const engine = new Engine(this.#config(mode), desired);
    try {
      const report = await drive(engine, this.#host(run));
      if (report.status === "failed") throw failure(report);
      return report;
    } finally {
      engine.free();
    }
  }
}

function failure(report: RunReport): ScimProvisionError {
  const e = report.error;
  return new ScimProvisionError({
    kind: e ? "server" : "run-failed",
    message: report.reason ?? `the run ended with status ${report.status}`,
    status: e?.httpStatus ?? null,
    scimType: e?.scimType ?? null,
    detail: e?.detail ?? null,
  });
}

function toDesiredObject(desired: DesiredInput): DesiredState {
  return typeof desired === "string" ? parseDesiredJson(desired) : desired;
}

function resolveProfile(profile: string | Profile): Profile {
  if (typeof profile !== "string") return profile;
  const found = core(() => wasm.profile(profile)) as Profile | undefined;
  if (!found) {
    const names = (core(() => wasm.profileNames()) as string[]).join(", ");
    throw new ScimProvisionError({ kind: "invalid-argument", message: `unknown profile ${JSON.stringify(profile)}; built-in profiles: ${names}` });
  }
  return found;
}

/** Checks a saved plan (object or JSON text) against its `digest` and returns it as the core
 * computes it: every figure (the summary) recomputed from its actions. Throws a
 * `ScimProvisionError` of kind `plan` and code `planEdited` ("the plan file was edited after
 * it was made ...") or `planWithoutDigest`; nothing is sent. Fields a plan does not have (a
 * plan file's `input`) are dropped. */
export function checkPlan(plan: Plan | string): Plan {
  return JSON.parse(core(() => wasm.checkPlan(plan))) as Plan;
}

/** Parses the JSON desired-state format (throws with the JSON path of a bad value). */
export function parseDesiredJson(text: string): DesiredState {
  return core(() => wasm.parseDesiredJson(text)) as DesiredState;
}

/** Parses the CSV desired-state format (throws with every bad row). */
export function parseDesiredCsv(text: string): DesiredState {
  return core(() => wasm.parseDesiredCsv(text)) as DesiredState;
}

/** A built-in profile by name. */
export function profile(name: string): Profile | undefined {
  return core(() => wasm.profile(name)) as Profile | undefined;
}

/** The built-in profile names. */
export function profileNames(): string[] {
  return core(() => wasm.profileNames()) as string[];
}

/** Plans `desired` against a listed `actual` state, without any I/O. Strings are parsed as
 * JSON inside the core, which is the fast path for large directories. */
export function plan(
  desired: DesiredInput,
  actual: ActualState | string,
  options: { basePath?: string; profile?: string | Profile; policy?: Policy } = {},
): Plan {
  const profileArg = typeof options.profile === "string" || options.profile === undefined ? options.profile ?? "generic" : options.profile;
  if (typeof desired === "string" && typeof actual === "string") {
    const policy = options.policy ? JSON.stringify(options.policy) : "";
    return JSON.parse(core(() => wasm.planJson(desired, actual, options.basePath ?? "", profileArg, policy))) as Plan;
  }
  return core(() => wasm.plan(desired, actual, options.basePath ?? "", profileArg, options.policy)) as Plan;
}

/** Decodes a response to a request of kind `expect` for users or groups. */
export function decodeResponse(
  expect: "get" | "list" | "create" | "replace" | "patch" | "delete",
  resource: "user" | "group",
  response: HttpResponse,
): { type: "resource"; resource: User | Group } | { type: "page"; page: unknown } | { type: "noContent" } | { type: "error"; error: unknown } {
  return core(() => wasm.decodeResponse(expect, resource, response, undefined));
}

/** `attribute eq "value"`, escaped as RFC 7644 requires. */
export function filterEq(attribute: string, value: string): string {
  return wasm.filterEq(attribute, value);
}

/** Parses a SCIM filter to its AST (throws with the byte offset of an error). */
export function parseFilter(text: string): unknown {
  return core(() => wasm.parseFilter(text));
}

/** The Airtable admin-panel CSV of listed users (injection-safe). */
export function reportCsv(users: User[], groups: Group[]): string {
  return core(() => wasm.reportCsv(users, groups));
}

/** The self-contained HTML report of listed users and groups (the snapshot time defaults
 * to now). */
export function reportHtml(users: User[], groups: Group[], plan: Plan | null, options: BuildReportOptions = {}): string {
  return core(() => wasm.reportHtml(users, groups, plan, { takenAtMs: options.takenAtMs ?? Date.now(), ...options }));
}

// The component-shaped low-level calls (Encoder, decode, renderFilter, planWithConfig,
// buildReport) and the structured error record.
export * from "./lowlevel.js";
export type { CoreErrorKind, CsvRowError, ErrorRecord, FacadeErrorKind } from "./errors.js";
