// The targeted commands (`provision`, `deprovision`, `reactivate`, `grant`, `revoke`,
// `events`): the arguments become the core's targets, one run of the facade looks their
// subjects up, plans and (after the review, or with --yes) applies; the plan and the run are
// printed as for `plan` and `apply`. What each operation does, and what an unknown subject
// means, is decided by the core (`plan_targeted`); here only presentation and exit codes.

import { Provisioner, readEvents, ScimProvisionError, type TargetedOptions } from "../node.js";
import type { RunReport, Target, User } from "../types.js";
import type { TargetedCommand } from "./args.js";
import { EXIT_ERROR, EXIT_OK, EXIT_PENDING, reviewer, runExit, type Terminal } from "./commands.js";
import { CliError, logTo, readBytes, readMapping, readPolicy, readProfile, readToken } from "./inputs.js";
import { Progress } from "./progress.js";
import { renderPlan } from "./render-plan.js";
import { renderRun } from "./render-run.js";
import { Style } from "./style.js";
import { printable } from "./table.js";

/** The targets the command names, and the events lines skipped (`--skip-malformed`). */
export function targetsOf(command: TargetedCommand): { targets: Target[]; rejected: string[] } {
  const user = (extra: Partial<User> = {}): User => ({ userName: command.user ?? "", ...extra });
  switch (command.name) {
    case "provision": {
      const a = command.attributes;
      const pick = (keys: Array<keyof typeof a>): Record<string, string> =>
        Object.fromEntries(keys.flatMap((k) => (a[k] === undefined ? [] : [[k, a[k]]])));
      const name = pick(["givenName", "familyName"]);
      const enterprise = pick(["department", "costCenter"]);
      const attributes: Partial<User> = {
        ...pick(["title", "externalId"]),
        ...(Object.keys(name).length > 0 ? { name } : {}),
        ...(Object.keys(enterprise).length > 0 ? { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": enterprise } : {}),
      };
      const grants = command.groups.map((g): Target => ({ op: "grant", user: user(), group: { displayName: g } }));
      return { targets: [{ op: "provision", user: user(attributes) }, ...grants], rejected: [] };
    }
    case "deprovision":
      return { targets: [{ op: command.delete ? "delete" : "deactivate", user: user() }], rejected: [] };
    case "reactivate":
      return { targets: [{ op: "reactivate", user: user() }], rejected: [] };
    case "grant":
    case "revoke":
      return { targets: [{ op: command.name, user: user(), group: { displayName: command.group ?? "" } }], rejected: [] };
    case "events":
      return readEventsFile(command.file ?? "", command.skipMalformed, command.mapping === undefined ? undefined : readMapping(command.mapping));
  }
}

function readEventsFile(path: string, skipMalformed: boolean, mapping: string | undefined): { targets: Target[]; rejected: string[] } {
  const text = readBytes(path, "the --file events file").toString("utf8");
  try {
    const events = readEvents(text, skipMalformed, mapping);
    return { targets: events.targets, rejected: events.rejected.map((e) => `line ${e.line}: \`${e.field}\`: ${e.reason}`) };
  } catch (error) {
    if (error instanceof ScimProvisionError) throw new CliError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Runs a targeted command. `--dry-run`: the plan, 0 when nothing would change, 2 when
 * changes are pending, 1 when a guard blocks it. Else 0 only when every action succeeded
 * (an already-in-effect operation is a success with nothing to do) and no events line was
 * skipped. */
export async function targetedCommand(command: TargetedCommand, term: Terminal): Promise<number> {
  const { targets, rejected } = targetsOf(command);
  return reviewedRun(command, term, rejected, (p, run) => p.targeted(targets, run));
}

/** What a reviewed run (a targeted command, `undo`) reads from its command line. */
export type ReviewedCommand = Pick<
  TargetedCommand,
  "url" | "profile" | "tokenEnv" | "policyFile" | "noColor" | "yes" | "json" | "dryRun" | "allowBlocked" | "maxDeactivations" | "scope" | "log"
>;

/** Runs `start` on a `Provisioner` of `command`'s options, reviewed as `command` says
 * (`--dry-run`, `--yes`, or asked), and prints the plan and the run; `rejected`: input lines
 * skipped, which make the exit code 1. */
export async function reviewedRun(
  command: ReviewedCommand,
  term: Terminal,
  rejected: string[],
  start: (p: Provisioner, run: TargetedOptions) => Promise<RunReport>,
): Promise<number> {
  const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
  const style = { out: new Style(term.stdout, env), err: new Style(term.stderr, env) };
  for (const line of rejected) term.stderr.write(style.err.yellow(`scim-provision: skipped ${printable(line)}`) + "\n");
  let policy = command.policyFile ? readPolicy(command.policyFile) : undefined;
  if (command.maxDeactivations) policy = { ...policy, maxDeactivations: command.maxDeactivations };
  // The core parses the filter with the policy and refuses a subject outside it (`outOfScope`).
  if (command.scope !== undefined) policy = { ...policy, scope: { ...policy?.scope, filter: command.scope } };
  const p = new Provisioner({
    baseUrl: command.url,
    profile: command.profile !== undefined ? readProfile(command.profile) : "generic",
    policy,
    token: readToken(command.tokenEnv),
    allowBlocked: command.allowBlocked,
  });
  const progress = new Progress(term.stderr, style.err);
  const review = reviewer(command, term, progress, style.out);
  const run = {
    onProgress: progress.onEvent,
    signal: term.signal,
    dryRun: command.dryRun,
    ...logTo(command.log),
    ...(command.yes || command.dryRun ? {} : { approve: review.approve }),
  };
  const report = await start(p, run).finally(() => progress.clear());
  if (command.dryRun) {
    const plan = report.plan!;
    term.stdout.write(command.json ? JSON.stringify(plan, null, 2) + "\n" : renderPlan(plan, style.out, command.url) + "\n");
    if (plan.blocked.length > 0 && !command.allowBlocked) return EXIT_ERROR;
    return plan.actions.length === 0 ? EXIT_OK : EXIT_PENDING;
  }
  if (report.plan) review.show(report.plan);
  if (review.declined()) {
    term.stderr.write("Nothing applied.\n");
    return EXIT_ERROR;
  }
  if (report.status === "refused" && !command.json) {
    throw new CliError(`${report.reason ?? "the run was refused"}${command.allowBlocked ? "" : "; nothing was written"}`);
  }
  term.stdout.write((command.json ? JSON.stringify({ ...report, rejected }, null, 2) : renderRun(report, style.out)) + "\n");
  return runExit(report, rejected.length === 0);
}
