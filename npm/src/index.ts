// The package's facade: `Provisioner` runs the core's engine over fetch; the low-level
// `Engine` and the codec, planner and report functions are exported for hosts with their
// own loop. Requires the WebAssembly module to be initialized (automatic in Node and Deno;
// `await init()` from "scim-provision/web" in browsers).

import * as wasm from "../wasm/scim_provision_js.js";
import * as reports from "../wasm/scim_provision_report_js.js";
import { doctorModule } from "./doctor-module.js";
import { core, ScimProvisionError } from "./errors.js";
import { drive, type HostOptions } from "./host.js";
import { buildReport, decode } from "./lowlevel.js";
import { redactToken } from "./redact.js";
import type {
  ActualState,
  Breaker,
  BuildReportOptions,
  Cap,
  Decoded,
  DesiredFile,
  DesiredInput,
  DesiredOptions,
  DesiredState,
  DoctorConfig,
  DoctorReport,
  EngineConfig,
  EngineEvent,
  Expect,
  Group,
  HttpResponse,
  HttpResponseBytes,
  Input,
  LicenseRule,
  Mapping,
  Mode,
  OpsReport,
  Output,
  Plan,
  Policy,
  Profile,
  ResourceKind,
  RunReport,
  ServerError,
  Target,
  User,
  EventError,
  Events,
} from "./types.js";

export * from "./types.js";
export { ScimProvisionError, type ErrorFields, type ErrorKind } from "./errors.js";
export { drive, type EngineLike, type HostOptions } from "./host.js";
export { MIN_REDACTED_TOKEN_LENGTH, REDACTED, redactToken } from "./redact.js";

/** The sans-IO engine: `pollOutput(nowMs)` until `wait` or `done`; `handleResponse` hands
 * an answer back, `handleInput` anything else. */
export class Engine {
  readonly #inner: wasm.Engine;

  /** A run of `config` towards `desired`; a directory's text (CSV or JSON, the core tells
   * which: `parseDesired`) or file (`{bytes, fileName, mapping}`) is decoded in the core, a
   * refused one thrown as a `ScimProvisionError` of kind `desired-state`. With `targets`, a targeted run of them instead (only their subjects are
   * looked up; `desired` is not read). */
  constructor(config: EngineConfig | string, desired: DesiredInput, targets?: Target[] | string | UndoSource) {
    this.#inner = core(() =>
      isUndo(targets)
        ? wasm.Engine.undo(config, targets.undoLog, targets.force ?? false)
        : targets !== undefined
        ? wasm.Engine.targeted(config, targets)
        : isDesiredFile(desired)
          ? new wasm.Engine(config, desired.bytes, desired.fileName, mappingText(desired.mapping))
          : typeof desired === "string"
            ? // Text is a directory file without a name: the core reads its format (CSV or JSON).
              new wasm.Engine(config, new TextEncoder().encode(desired), "")
            : new wasm.Engine(config, desired),
    );
  }

  pollOutput(nowMs: number): Output {
    return core(() => this.#inner.pollOutput(nowMs)) as Output;
  }

  /** The answer to request `id`, its body the bytes received (`response.arrayBuffer()`):
   * one copy into WebAssembly memory, checked as UTF-8 there. A success body that is not
   * UTF-8 is an unreadable answer, which the engine reports for that request. */
  handleResponse(id: number, status: number, headers: [string, string][], body: Uint8Array, nowMs: number): void {
    core(() => this.#inner.handleResponse(id, status, headers, body, nowMs));
  }

  /** A transport failure, an approval or a decline (or an answer with its body as text). */
  handleInput(input: Input, nowMs: number): void {
    core(() => this.#inner.handleInput(input, nowMs));
  }

  abort(): void {
    this.#inner.abort();
  }

  /** Writes the provisioning log: from now on each line comes as a `{type: "log", line}`
   * event (the core writes it; `docs/LOG.md`). Call before the first `pollOutput`. */
  logTo(runId: string, timeMs: number, server: string): void {
    this.#inner.logTo(runId, timeMs, server);
  }

  /** The error the core reads the finished run's report as, or `undefined` when it is no
   * error (or the run is not done): a run that ended `failed` (kind `server` when a server
   * error ended it, with its `httpStatus`, `scimType` and `detail`; else `run-failed`; the
   * message is the report's `reason`), and, with `planned`, for a run that was to plan, one
   * that ended without a plan. */
  runFailure(planned = false): ScimProvisionError | undefined {
    const fault: unknown = this.#inner.runFailure(planned);
    return fault === undefined ? undefined : ScimProvisionError.from(fault);
  }

  /** The server state as listed: the listing the run planned from, before any of its
   * writes. */
  listedState(): ActualState {
    return core(() => this.#inner.listedState()) as ActualState;
  }

  /** The server state after the run: the listing with every action that took effect folded
   * in, created users and groups with the ids the server gave; a report of the state after
   * an apply is built from it without listing again. */
  stateAfter(): ActualState {
    return core(() => this.#inner.stateAfter()) as ActualState;
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
  /** Stopped by `signal`, a run waits this long for the answers in flight before it ends
   * without them (default 10 000). */
  stopGraceMs?: number;
  /** The circuit breaker: a run whose latest writes keep failing ends `quarantined` and
   * sends no more (default `{failures: 20, window: 40}`; `{failures: 0}` switches it off). */
  breaker?: Breaker;
}

export interface RunOptions {
  fetch?: typeof fetch;
  onProgress?: (event: EngineEvent) => void;
  signal?: AbortSignal;
  /** Writes the provisioning log: called with each JSON Lines record the core writes
   * (`docs/LOG.md`: a header, each request and action outcome, a footer), the token
   * replaced by `[redacted]`. Append each with a newline to keep a log file. */
  onLog?: (line: string) => void;
  /** The run's id in the log's header (default: a random UUID). */
  runId?: string;
}

/** An undo run's source (`Engine`'s last argument): the provisioning log's text, and
 * whether subjects changed since that run are restored too. */
export interface UndoSource {
  undoLog: string;
  force?: boolean;
}

function isUndo(source: unknown): source is UndoSource {
  return typeof source === "object" && source !== null && typeof (source as UndoSource).undoLog === "string";
}

export interface ApplyOptions extends RunOptions {
  /** The desired state the plan was made from (default: the last one given to `plan`). */
  desired?: DesiredInput;
  /** Apply a fresh plan if the server changed since the plan was made. */
  replan?: boolean;
}

export interface SyncOptions extends RunOptions {
  /** Shown the plan made from this run's listing before anything is written: resolve
   * `true` to apply it (from that same listing: the server is listed once), `false` to
   * decline (the run ends `declined`, nothing written). A plan with nothing to do is applied
   * without asking; a plan a guard blocked is refused without asking. Absent: `sync` applies
   * the plan it makes, calling it being the approval. */
  approve?: (plan: Plan) => boolean | Promise<boolean>;
}

export interface ReportOptions extends RunOptions {
  /** The directory: adds the stale accounts and the seats it needs. */
  desired?: DesiredInput;
  purchasedSeats?: number;
  /** The snapshot time (default now). */
  takenAtMs?: number;
  /** How license types are told apart, and the seats bought per type: adds the seats per
   * license type (`report.licenses`). */
  licenses?: LicenseRule;
  /** The currency of the prices (default USD). */
  currency?: string;
  /** The price of a seat in integer cents (2400 for 24.00): adds `report.cost`, in cents too. */
  pricePerSeat?: number;
  /** The price of a seat per license type, in cents (`{Creator: 4500}`). */
  prices?: Record<string, number>;
  /** An earlier report (as `report` returned it, or its JSON text): adds the access review,
   * `report.comparison`, and `toReviewCsv`. */
  previous?: OpsReport | string;
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
  /** The Airtable admin-panel CSV of the listed users (injection-safe; a UTF-8 byte-order
   * mark and a license column on request). */
  toCsv(options?: CsvExportOptions): string;
  /** The access review against `previous` as CSV (throws without `previous`). */
  toReviewCsv(options?: { byteOrderMark?: boolean }): string;
}

/** Plans and applies a directory to a SCIM server over any fetch. */
/** How a targeted run (`provision`, `grant`, `events`...) goes once its subjects are looked up. */
export interface TargetedOptions extends SyncOptions {
  /** Look the subjects up and plan; write nothing (the report's status is `planned`). */
  dryRun?: boolean;
}

/** How the server doctor probes (`Provisioner.doctor`). */
export interface DoctorOptions extends RunOptions {
  /** Also probe writes on throwaway users and a group, removed afterwards. */
  write?: boolean;
  /** At most this many probe requests (default 80; the removals always go). */
  maxRequests?: number;
}

/** A targeted run of an events file: its report, and the malformed lines skipped. */
export type EventsRunReport = RunReport & { rejected: EventError[] };

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

  /** Lists the server and returns the plan that would bring it to `desired`: a
   * `DesiredState`, a directory's text (CSV or JSON: the core reads which, as
   * `parseDesired` does) or a file's bytes. Writes nothing. */
  async plan(desired: DesiredInput, run: RunOptions = {}): Promise<Plan> {
    return this.#redacted(async () => {
      const report = await this.#run({ mode: "planOnly" }, desired, run, true);
      this.#lastDesired = desired;
      // The core said the run has a plan (`runFailure`, planned).
      return report.plan as Plan;
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

  /** Plans and applies in one run, from one listing. With `approve`, the plan is shown to
   * it first and applied only when it resolves `true` (the engine's `review` mode: the
   * approval names the plan's digest, so no other plan is applied); without, calling this is
   * the explicit approval. */
  async sync(desired: DesiredInput, run: SyncOptions = {}): Promise<RunReport> {
    const mode: Mode = run.approve ? { mode: "review" } : { mode: "planAndApply" };
    return this.#redacted(() => this.#run(mode, desired, run));
  }

  /** Lists the server and computes the SaaS-ops report (seats, chargeback, stale accounts
   * when `desired` is given, access snapshot); the result also renders the self-contained
   * HTML page and the admin-panel CSV of the same listing. */
  async report(options: ReportOptions = {}): Promise<ReportResult> {
    const desired: DesiredInput = options.desired ?? { users: [], groups: [] };
    const engine = new Engine(this.#config({ mode: "planOnly" }), desired);
    try {
      const done = await drive(engine, this.#host(options));
      throwIfFailed(engine);
      const { users, groups } = this.#redact(engine.listedState());
      const plan = options.desired !== undefined ? done.plan ?? null : null;
      const reportOptions = {
        takenAtMs: options.takenAtMs ?? Date.now(),
        purchasedSeats: options.purchasedSeats ?? null,
        desired: plan ? toDesiredObject(desired) : null,
        policy: this.#options.policy ?? null,
        // The core says in the report whether (and why) the listing was incomplete.
        listing: done.listing,
        licenses: options.licenses ?? null,
        currency: options.currency ?? null,
        pricePerSeat: options.pricePerSeat ?? null,
        prices: options.prices ?? null,
        // The core leaves credentials, query and fragment out of what it shows.
        server: this.#options.baseUrl,
        previous: options.previous ?? null,
      };
      return {
        report: this.#redact(buildReport(users, groups, plan, reportOptions)),
        users,
        groups,
        plan,
        toHtml: () => this.#redact(reportHtml(users, groups, plan, reportOptions)),
        toCsv: (csv: CsvExportOptions = {}) => this.#redact(reportCsv(users, groups, { licenses: options.licenses, ...csv })),
        toReviewCsv: (csv: { byteOrderMark?: boolean } = {}) => this.#redact(reviewCsv(users, groups, plan, reportOptions, csv.byteOrderMark)),
      };
    } catch (error) {
      throw this.#redact(error);
    } finally {
      freeSoon(engine);
    }
  }

  /** A targeted run: only the targets' subjects are looked up (no listing), then the plan
   * is applied with the same policy, review (`approve`) and reliability as `sync`; with
   * `dryRun` nothing is written. What each operation does, and what it means for a subject
   * the server lacks, is the core's (`plan_targeted`). */
  async targeted(targets: Target[], run: TargetedOptions = {}): Promise<RunReport> {
    const mode: Mode = run.dryRun ? { mode: "planOnly" } : run.approve ? { mode: "review" } : { mode: "planAndApply" };
    return this.#redacted(() => this.#run(mode, "{}", run, run.dryRun === true, targets));
  }

  /** Creates `user`, or updates and reactivates it where the server holds it; `groups`: the
   * groups it joins. */
  async provision(user: User, run: TargetedOptions & { groups?: string[] } = {}): Promise<RunReport> {
    const grants = (run.groups ?? []).map((g): Target => ({ op: "grant", user: { userName: user.userName }, group: { displayName: g } }));
    return this.targeted([{ op: "provision", user }, ...grants], run);
  }

  /** Deactivates the user (deletes it with `delete`, which the policy must allow). */
  async deprovision(userName: string, run: TargetedOptions & { delete?: boolean } = {}): Promise<RunReport> {
    return this.targeted([{ op: run.delete ? "delete" : "deactivate", user: { userName } }], run);
  }

  /** Reactivates the user. */
  async reactivate(userName: string, run: TargetedOptions = {}): Promise<RunReport> {
    return this.targeted([{ op: "reactivate", user: { userName } }], run);
  }

  /** Adds the user to the group (created when the server lacks it). */
  async grant(userName: string, group: string, run: TargetedOptions = {}): Promise<RunReport> {
    return this.targeted([{ op: "grant", user: { userName }, group: { displayName: group } }], run);
  }

  /** Removes the user from the group. */
  async revoke(userName: string, group: string, run: TargetedOptions = {}): Promise<RunReport> {
    return this.targeted([{ op: "revoke", user: { userName }, group: { displayName: group } }], run);
  }

  /** Applies JSON Lines of lifecycle events in order (see `readEvents`). A malformed line
   * refuses the whole file before any request, unless `skipMalformed`: then the valid lines
   * run and the others are listed in `rejected`. With `mapping`, each event's person is read
   * through it (an HR system's field names). */
  async events(text: string, run: TargetedOptions & { skipMalformed?: boolean; mapping?: string | Mapping } = {}): Promise<EventsRunReport> {
    const events = readEvents(text, run.skipMalformed ?? false, run.mapping);
    const report = await this.targeted(events.targets, run);
    return { ...report, rejected: events.rejected };
  }

  /** Plans the inverse of the run a provisioning log tells (`logText`, its JSON Lines) and
   * applies it like any plan (`approve` to review it, `dryRun` to only plan): whom it
   * deactivated is reactivated, changed attributes and memberships restored, renamed groups
   * renamed back, created users deactivated (never deleted). A deletion cannot be undone
   * with the same id, and a subject changed since the run is left alone unless `force`:
   * each is a note in the plan. What to undo is the core's (`plan_undo`). */
  async undo(logText: string, run: TargetedOptions & { force?: boolean } = {}): Promise<RunReport> {
    const mode: Mode = run.dryRun ? { mode: "planOnly" } : run.approve ? { mode: "review" } : { mode: "planAndApply" };
    const source: UndoSource = { undoLog: logText, force: run.force ?? false };
    return this.#redacted(() => this.#run(mode, "{}", run, run.dryRun === true, source));
  }

  /** The server doctor: probes the server's quirks (read only; with `write`, also writes
   * on throwaway resources it removes afterwards) and returns each finding with its
   * evidence and the profile they make, which `profile` accepts. The throwaway names'
   * suffix comes from `seed` (default: drawn here). The doctor is a WebAssembly module of its
   * own, loaded on the first call (in a browser, fetched next to the main module). */
  async doctor(run: DoctorOptions = {}): Promise<DoctorReport> {
    const o = this.#options;
    const config: DoctorConfig = {
      basePath: this.#basePath,
      profile: this.#profile,
      write: run.write ?? false,
      seed: o.seed ?? Math.floor(Math.random() * 2 ** 32),
      ...(o.requestsPerSecond !== undefined ? { requestsPerSecond: o.requestsPerSecond } : {}),
      ...(run.maxRequests !== undefined ? { maxRequests: run.maxRequests } : {}),
    };
    return this.#redacted(async () => {
      const module = await doctorModule();
      const doctor = core(() => new module.Doctor(config));
      try {
        return await drive<DoctorReport>(doctor, this.#host(run));
      } finally {
        doctor.free();
      }
    });
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

  #config(mode: Mode): EngineConfig {
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
      ...(o.breaker !== undefined ? { breaker: o.breaker } : {}),
    };
  }

  #host(run: SyncOptions): HostOptions {
    return {
      onReview: run.approve,
      origin: this.#origin,
      fetch: run.fetch,
      token: this.#options.token,
      headers: this.#options.headers,
      onProgress: run.onProgress,
      onLog: run.onLog,
      signal: run.signal,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      stopGraceMs: this.#options.stopGraceMs,
    };
  }

  /** Runs the engine to its report; throws the core's error for it (`planned`: the run was
   * to plan, so a report without a plan is one). */
  async #run(mode: Mode, desired: DesiredInput, run: SyncOptions, planned = false, targets?: Target[] | UndoSource): Promise<RunReport> {
    const engine = new Engine(this.#config(mode), desired, targets);
    // The log's header: the run id, the time and the URL are the host's to give.
    if (run.onLog) engine.logTo(run.runId ?? globalThis.crypto.randomUUID(), Date.now(), this.#options.baseUrl);
    try {
      const report = await drive(engine, this.#host(run));
      throwIfFailed(engine, planned);
      return report;
    } finally {
      freeSoon(engine);
    }
  }
}

/** Frees a finished run's engine on the next turn of the event loop, once the caller has
 * its result, instead of before returning it: dropping what a run of 100,000 users holds
 * (the directory, the listing, the plan) takes about 80 ms. A long-lived host frees it a
 * moment later; a CLI about to exit does not wait for it, since the timer does not keep
 * Node running and the memory goes with the process (as compilers skip freeing at exit). */
function freeSoon(engine: { free(): void }): void {
  const timer: unknown = setTimeout(() => engine.free(), 0);
  (timer as { unref?: () => void }).unref?.();
}

/** Throws the core's error for a finished run, if it is one (`Engine.runFailure`). */
function throwIfFailed(engine: Engine, planned = false): void {
  const failure = engine.runFailure(planned);
  if (failure) throw failure;
}

function toDesiredObject(desired: DesiredInput): DesiredState {
  if (isDesiredFile(desired)) return parseDesired(desired.bytes, { fileName: desired.fileName, mapping: mappingText(desired.mapping) });
  return typeof desired === "string" ? parseDesired(desired) : desired;
}

/** A mapping as the core takes it: a built-in name or JSON text. */
function mappingText(mapping: string | Mapping | undefined): string | undefined {
  return mapping === undefined || typeof mapping === "string" ? mapping : JSON.stringify(mapping);
}

function isDesiredFile(desired: DesiredInput): desired is DesiredFile {
  return typeof desired === "object" && desired !== null && (desired as DesiredFile).bytes instanceof Uint8Array;
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

/** Reads a saved plan (its file's bytes, or its text) through the core's decode entry point:
 * checked against its digest and every figure recomputed, as `checkPlan` does. Throws a
 * `ScimProvisionError` with the JSON path of what is wrong, or of kind `plan` for an edited
 * plan. */
export function readPlan(input: string | Uint8Array): Plan {
  return core(() => wasm.decode("plan", input, {})) as Plan;
}

/** Parses a directory's text, or its file's bytes (checked as UTF-8 in the core: code
 * `notUtf8` otherwise): in `options.format` when given, else in the format the core reads
 * from `options.fileName` and the text (`.csv` or `.json` by extension, else JSON when the
 * text starts with `{`, else CSV). Throws with the JSON path of a bad value, or every bad
 * CSV row. */
export function parseDesired(text: string | Uint8Array, options: DesiredOptions = {}): DesiredState {
  return core(() => wasm.decode("desired", text, options)) as DesiredState;
}

/** Parses the JSON desired-state format (throws with the JSON path of a bad value). */
export function parseDesiredJson(text: string): DesiredState {
  return parseDesired(text, { format: "json" });
}

/** Parses the CSV desired-state format (throws with every bad row). */
export function parseDesiredCsv(text: string): DesiredState {
  return parseDesired(text, { format: "csv" });
}

/** Parses a directory file (its text, or its bytes) in the format the core reads from its
 * name and text: `.csv` or `.json` by extension, else JSON when the text starts with `{`,
 * else CSV. */
export function parseDesiredFile(fileName: string, text: string | Uint8Array): DesiredState {
  return parseDesired(text, { fileName });
}

/** A removal cap written as `N` (a count) or `P%` (a percentage of the in-scope users);
 * throws a `ScimProvisionError` of code `cap` otherwise. */
export function parseCap(text: string): Cap {
  return core(() => wasm.parseCap(text)) as Cap;
}

/** Why a plan with these `blocked` guards must not be applied (`"the plan is blocked: ..."`),
 * or `undefined` when it may be: the engine's own rule, for a host that asks before it runs. */
export function blockedRefusal(blocked: Plan["blocked"], allowBlocked: boolean): string | undefined {
  return core(() => wasm.blockedRefusal(blocked, allowBlocked)) ?? undefined;
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
  const config = { basePath: options.basePath ?? "", profile: options.profile ?? "generic", policy: options.policy };
  return core(() => wasm.plan({ desired, actual, config })) as Plan;
}

/** Decodes a response to a request of kind `expect` for users or groups, an error status
 * as `{type: "error", error}` (the server error) instead of thrown as `decode` does. */
export function decodeResponse(
  expect: Expect,
  resource: ResourceKind,
  response: HttpResponse | HttpResponseBytes,
): Decoded<User | Group> | { type: "error"; error: ServerError } {
  try {
    return decode(resource, expect, response) as Decoded<User | Group>;
  } catch (error) {
    // The server fault's `data` is the core's ServerError, field for field.
    if (error instanceof ScimProvisionError && error.kind === "server") return { type: "error", error: error.data as unknown as ServerError };
    throw error;
  }
}

/** Reads JSON Lines of lifecycle events (`hire`, `update`, `terminate`, `rehire`, `grant`,
 * `revoke`) into targets. Throws a `ScimProvisionError` of kind `desired-state`, code
 * `malformedEvents`, naming every malformed line and field, unless `skipMalformed`: then the
 * malformed lines are returned in `rejected`. With `mapping` (a built-in mapping's name, a
 * mapping, or its JSON text), each event's `user` is the person as an HR system words it,
 * read through the mapping; the groups it maps a hire into are joined. */
export function readEvents(text: string, skipMalformed = false, mapping?: string | Mapping): Events {
  return JSON.parse(core(() => wasm.readEvents(text, skipMalformed, mappingText(mapping)))) as Events;
}

/** `attribute eq "value"`, escaped as RFC 7644 requires. */
export function filterEq(attribute: string, value: string): string {
  return core(() => wasm.filterEq(attribute, value));
}

/** Parses a SCIM filter to its AST (throws with the byte offset of an error). */
export function parseFilter(text: string): unknown {
  return core(() => wasm.parseFilter(text));
}

/** How the CSV export is written: `byteOrderMark` starts it with a UTF-8 byte-order mark
 * (spreadsheet programs need it to read UTF-8); `licenses` adds a `License type` column. */
export interface CsvExportOptions {
  byteOrderMark?: boolean;
  licenses?: LicenseRule;
}

/** The Airtable admin-panel CSV of listed users (injection-safe). */
export function reportCsv(users: User[], groups: Group[], options: CsvExportOptions = {}): string {
  return core(() => reports.reportCsv(users, groups, options.byteOrderMark ?? false, options.licenses ?? null));
}

/** The access review of listed users and groups against `options.previous` (an earlier
 * report) as CSV: users added, removed, deactivated or reactivated, then memberships gained
 * or lost; injection-safe. */
export function reviewCsv(users: User[], groups: Group[], plan: Plan | null, options: BuildReportOptions, byteOrderMark = false): string {
  return core(() => reports.reviewCsv(users, groups, plan, options, byteOrderMark));
}

/** The self-contained HTML report of listed users and groups (the snapshot time defaults
 * to now). */
export function reportHtml(users: User[], groups: Group[], plan: Plan | null, options: BuildReportOptions = {}): string {
  return core(() => reports.reportHtml(users, groups, plan, { takenAtMs: options.takenAtMs ?? Date.now(), ...options }));
}

// The component-shaped low-level calls (Encoder, decode, renderFilter, planWithConfig,
// buildReport) and the structured error record.
export * from "./lowlevel.js";
export type { CoreErrorKind, ErrorRecord, FacadeErrorKind } from "./errors.js";
