// The targeted commands (`provision`, `deprovision`, `reactivate`, `grant`, `revoke`,
// `events`): the arguments become the core's targets, one run of the facade looks their
// subjects up, plans and (after the review, or with --yes) applies; the plan and the run are
// printed as for `plan` and `apply`. What each operation does, and what an unknown subject
// means, is decided by the core (`plan_targeted`); here only presentation and exit codes.

import { readFileSync } from "node:fs";

import { Provisioner, readEvents, ScimProvisionError } from "../node.js";
import type { Target, User } from "../types.js";
import type { TargetedCommand } from "./args.js";
import { EXIT_ERROR, EXIT_OK, EXIT_PENDING, reviewer, type Terminal } from "./commands.js";
import { CliError, readPolicy, readProfile, readToken } from "./inputs.js";
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
      return readEventsFile(command.file ?? "", command.skipMalformed);
  }
}

function readEventsFile(path: string, skipMalformed: boolean): { targets: Target[]; rejected: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read the events file ${path}: ${(error as Error).message}`);
  }
  try {
    const events = readEvents(text, skipMalformed);
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
  const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
  const style = { out: new Style(term.stdout, env), err: new Style(term.stderr, env) };
  const { targets, rejected } = targetsOf(command);
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
  const run = { onProgress: progress.onEvent, signal: term.signal, dryRun: command.dryRun, ...(command.yes || command.dryRun ? {} : { approve: review.approve }) };
  const report = await p.targeted(targets, run).finally(() => progress.clear());
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
  return report.status === "applied" && rejected.length === 0 ? EXIT_OK : EXIT_ERROR;
}
