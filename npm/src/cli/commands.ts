// The three commands, each a short run of the facade: build a `Provisioner`, run it with
// progress on stderr, print the result, return the exit code. Nothing is decided here that
// the core decides (what to change, when to retry, whether a plan still holds).

import { createInterface } from "node:readline/promises";

import { blockedRefusal, buildReport, Provisioner, ScimProvisionError } from "../node.js";
import type { DesiredFile, DesiredState, Plan, Policy, RunReport } from "../types.js";
import type { Command } from "./args.js";
import { CliError, desiredState, directoryErrors, logTo, readDesired, readMapping, readPlanFile, readPolicy, readProfile, readReportText, readToken, writeOut, writePlanFile } from "./inputs.js";
import { Progress } from "./progress.js";
import { renderPlan, summaryLine } from "./render-plan.js";
import { renderReport } from "./render-report.js";
import { renderRun } from "./render-run.js";
import { Style } from "./style.js";
import { printable } from "./table.js";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_PENDING = 2;
/** `report` from an incomplete listing: the figures were written, but may be short. */
export const EXIT_INCOMPLETE = 3;
/** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** The exit code of a finished apply run. */
export function runExit(report: RunReport, ok: boolean): number {
  if (report.status === "aborted") return EXIT_INTERRUPTED;
  return report.status === "applied" && ok ? EXIT_OK : EXIT_ERROR;
}

/** Where a command writes and how it is stopped. */
export interface Terminal {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  signal: AbortSignal;
}

type Of<N extends Command["name"]> = Extract<Command, { name: N }>;
type Common = Of<"plan"> | Of<"apply"> | Of<"report">;

function styles(command: Common, term: Terminal) {
  const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
  return { out: new Style(term.stdout, env), err: new Style(term.stderr, env) };
}

function policyOf(command: Of<"plan"> | Of<"apply">, base: Policy | undefined): Policy | undefined {
  let policy = command.policyFile ? readPolicy(command.policyFile) : base;
  if (command.maxDeactivations) policy = { ...policy, maxDeactivations: command.maxDeactivations };
  // The core parses the filter with the policy, and refuses one that does not parse.
  if (command.scope !== undefined) policy = { ...policy, scope: { ...policy?.scope, filter: command.scope } };
  return policy;
}

/** The directory file, read through `--mapping` when given. */
function directoryOf(command: Of<"plan"> | Of<"apply">, path: string): DesiredFile {
  const file = readDesired(path);
  return command.mapping === undefined ? file : { ...file, mapping: readMapping(command.mapping) };
}

function provisioner(command: Common, profile: string | undefined, policy: Policy | undefined): Provisioner {
  return new Provisioner({
    baseUrl: command.url,
    profile: command.profile !== undefined ? readProfile(command.profile) : (profile ?? "generic"),
    policy,
    token: readToken(command.tokenEnv),
    allowBlocked: command.name === "apply" && command.allowBlocked,
  });
}

/** `plan`: 0 when nothing would change, 2 when changes are pending. */
export async function planCommand(command: Of<"plan">, term: Terminal): Promise<number> {
  const style = styles(command, term);
  const desired = directoryOf(command, command.desired);
  const policy = policyOf(command, undefined);
  const p = provisioner(command, undefined, policy);
  const progress = new Progress(term.stderr, style.err);
  const plan = await directoryErrors(desired, () => p.plan(desired, { onProgress: progress.onEvent, signal: term.signal })).finally(() => progress.clear());
  // The plan file carries the directory as a value: decoded again for it, after the run.
  if (command.out) writePlanFile(command.out, plan, desiredState(desired), policy);
  if (command.json) {
    term.stdout.write(JSON.stringify(plan, null, 2) + "\n");
  } else {
    term.stdout.write(renderPlan(plan, style.out, command.url) + "\n");
    if (command.out) term.stdout.write(style.out.dim(`Plan written to ${command.out}; apply it with: scim-provision apply --plan ${command.out} --url ${command.url}`) + "\n");
  }
  return plan.actions.length === 0 ? EXIT_OK : EXIT_PENDING;
}

/** `apply`: 0 only when every action succeeded. */
export async function applyCommand(command: Of<"apply">, term: Terminal): Promise<number> {
  return command.plan ? applyReviewed(command, command.plan, term) : applyDesired(command, term);
}

/** `apply --desired`: one run lists, plans, shows the plan and asks (the engine's `review`
 * mode), then applies that plan from the same listing. */
async function applyDesired(command: Of<"apply">, term: Terminal): Promise<number> {
  const style = styles(command, term);
  const progress = new Progress(term.stderr, style.err);
  const desired = directoryOf(command, command.desired!);
  const p = provisioner(command, undefined, policyOf(command, undefined));
  const review = reviewer(command, term, progress, style.out);
  const report = await directoryErrors(desired, () => p.sync(desired, { approve: review.approve, onProgress: progress.onEvent, signal: term.signal, ...logTo(command.log) })).finally(() =>
    progress.clear(),
  );
  // Not asked (nothing to do, or refused before asking): the plan is shown all the same.
  if (report.plan) review.show(report.plan);
  if (review.declined()) {
    term.stderr.write("Nothing applied.\n");
    return term.signal.aborted ? EXIT_INTERRUPTED : EXIT_ERROR;
  }
  // The engine refused a plan a guard blocked before asking; the CLI says what to do.
  if (report.status === "refused" && report.plan) blocked(report.plan, command.allowBlocked);
  return finish(command, report, style.out, term);
}

/** Shows a plan once (not with --json) and asks whether to apply it (not with --yes),
 * remembering a "no": the approval an engine run in `review` mode waits for. */
export function reviewer(command: { json: boolean; yes: boolean; url: string }, term: Terminal, progress: Progress, style: Style) {
  let shown = false;
  let declined = false;
  const show = (plan: Plan) => {
    if (!command.json && !shown) term.stdout.write(renderPlan(plan, style, command.url) + "\n\n");
    shown = true;
  };
  const approve = async (plan: Plan): Promise<boolean> => {
    progress.clear();
    show(plan);
    if (command.yes) return true;
    declined = !(await confirm(term, `Apply ${plan.actions.length} changes to ${command.url}?`));
    return !declined;
  };
  return { show, approve, declined: () => declined };
}

/** `apply --plan FILE`: the reviewed plan is checked and shown without a request; the run
 * lists once, to verify the server still matches it, and applies it from that listing. */
async function applyReviewed(command: Of<"apply">, planFile: string, term: Terminal): Promise<number> {
  const style = styles(command, term);
  const progress = new Progress(term.stderr, style.err);
  // The core checks the file against its digest (an edited plan stops here, before any
  // request) and recomputes every figure shown below: none is taken from the file.
  const { plan, input } = readPlanFile(planFile);
  const fromFile = command.desired ? undefined : input?.desired;
  if (!command.desired && !fromFile) {
    throw new CliError(`${planFile} does not carry its directory: pass the --desired FILE it was made from`);
  }
  // Decoded before anything is asked, so a bad file is refused before the confirmation.
  const desired: DesiredState = command.desired ? desiredState(directoryOf(command, command.desired)) : fromFile!;
  const p = provisioner(command, plan.profile, policyOf(command, input?.policy));
  if (!command.json) {
    // A reviewed plan applied with --yes was read already: its counts are enough here.
    const shown = command.yes ? `Applying the reviewed plan ${planFile} to ${command.url}\n${summaryLine(plan, style.out)}` : renderPlan(plan, style.out, command.url);
    term.stdout.write(shown + "\n\n");
  }
  // The engine would refuse the run too; asked first, so nobody confirms a plan it refuses.
  blocked(plan, command.allowBlocked);
  if (plan.actions.length > 0 && !command.yes && !(await confirm(term, `Apply ${plan.actions.length} changes to ${command.url}?`))) {
    term.stderr.write("Nothing applied.\n");
    return EXIT_ERROR;
  }
  const report = await p.apply(plan, { desired, onProgress: progress.onEvent, signal: term.signal, ...logTo(command.log) }).finally(() => progress.clear());
  return finish(command, report, style.out, term);
}

/** Throws the CLI's error for a plan a guard blocked, with what to do about it. */
function blocked(plan: Plan, allowBlocked: boolean): void {
  const refusal = blockedRefusal(plan.blocked, allowBlocked);
  if (refusal !== undefined) {
    throw new CliError(`${refusal}; review it, then pass --allow-blocked to apply it anyway`);
  }
}

/** Prints a finished apply run; 0 only when every action succeeded. */
function finish(command: Of<"apply">, report: RunReport, style: Style, term: Terminal): number {
  if (report.status === "refused" && !command.json) {
    // Nothing was written: the core's reason (the server changed since the plan was made,
    // the directory or policy is not the plan's...) is the one line to read.
    throw new CliError(report.reason ?? "the run was refused");
  }
  term.stdout.write((command.json ? JSON.stringify(report, null, 2) : renderRun(report, style)) + "\n");
  return runExit(report, true);
}

async function confirm(term: Terminal, question: string): Promise<boolean> {
  if (!term.stdin.isTTY || !term.stderr.isTTY) {
    throw new CliError("apply needs confirmation: run it on a terminal, or pass --yes once the plan is reviewed");
  }
  const rl = createInterface({ input: term.stdin, output: term.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: term.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

/** The report flags a core error for a report option came from. */
const REPORT_FLAGS: Record<string, string> = {
  "licenses-json": "--license-attribute, --license-group, --license-default or --seats",
};

/** Runs `f`; a core error about a report option names the flag (or the --compare file). */
function reportFlagErrors<T>(command: Of<"report">, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (!(error instanceof ScimProvisionError)) throw error;
    const argument = error.data?.argument;
    if (typeof argument !== "string") throw error;
    const where = error.location && error.location !== "." ? ` at ${error.location}` : "";
    const reason = String(error.data?.reason ?? error.message);
    if (argument === "previous-json") throw new CliError(`${command.compare}${where}: ${reason} (give --compare a file written by report --json)`);
    const flags = REPORT_FLAGS[argument];
    // The path inside the options the flags were turned into means nothing to the user.
    if (flags) throw new CliError(`report: ${flags}: ${reason}`);
    throw error;
  }
}

/** `report`: the seats (per license type too), cost, chargeback, stale accounts, access
 * snapshot and, with --compare, the access review. */
export async function reportCommand(command: Of<"report">, term: Terminal): Promise<number> {
  const style = styles(command, term);
  const desired = command.desired ? readDesired(command.desired) : undefined;
  const policy = command.policyFile ? readPolicy(command.policyFile) : undefined;
  const previous = command.compare ? readReportText(command.compare) : undefined;
  const options = { licenses: command.licenses, ...command.pricing, previous };
  // The options checked by the core before the server is listed: a bad price or earlier
  // report is named now, not after a long listing.
  reportFlagErrors(command, () => buildReport([], [], null, options));
  const p = provisioner(command, undefined, policy);
  const progress = new Progress(term.stderr, style.err);
  const result = await directoryErrors(desired, () =>
    p.report({ desired, purchasedSeats: command.seats, ...options, onProgress: progress.onEvent, signal: term.signal }),
  ).finally(() => progress.clear());
  let text: string;
  switch (command.format) {
    case "json":
      text = JSON.stringify(result.report, null, 2) + "\n";
      break;
    case "csv":
      // --bom: a UTF-8 byte-order mark, for spreadsheet programs (the directory reader skips it).
      text = previous === undefined ? result.toCsv({ byteOrderMark: command.bom }) : result.toReviewCsv({ byteOrderMark: command.bom });
      break;
    case "html":
      text = result.toHtml();
      break;
    case "table":
      text = renderReport(result.report, command.out ? new Style({ isTTY: false }, { NO_COLOR: "1" }) : style.out, command.url) + "\n";
      break;
  }
  if (command.out) {
    writeOut(command.out, text);
    term.stderr.write(`Report written to ${command.out}\n`);
  } else {
    term.stdout.write(text);
  }
  // Every format, the CSV too (whose rows have no place for it), says when figures may be short.
  if (!result.report.complete) {
    term.stderr.write(style.err.yellow(`scim-provision: warning: the listing is incomplete (${result.report.incomplete.map(printable).join("; ")}): figures may be short`) + "\n");
    return EXIT_INCOMPLETE;
  }
  return EXIT_OK;
}
