// `scim-provision undo --log FILE`: the inverse of a logged run, planned by the core
// (`plan_undo`: who to reactivate, which attributes and memberships to restore, which group
// names to put back, which created users to deactivate, what cannot be undone) and then
// reviewed and applied like any plan (`--dry-run`, `--yes`, or asked). Here only the
// arguments, reading the log file, and the shared presentation of a reviewed run.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ScimProvisionError } from "../node.js";
import { COMMON } from "./args.js";
import type { Terminal } from "./commands.js";
import { CliError } from "./inputs.js";
import { reviewedRun, type ReviewedCommand } from "./targeted.js";

export const UNDO_USAGE = `Usage:
  scim-provision undo --log FILE --url URL [--force] [--dry-run] [--yes] [--json]
                      [--profile NAME] [--policy FILE] [--token-env NAME]
                      [--allow-blocked] [--write-log FILE]

Plans the inverse of the run the provisioning log FILE tells (written by --log on apply,
provision, deprovision, reactivate, grant, revoke or events) and applies it after review:
users it deactivated are reactivated, attributes it changed restored, memberships it
changed reverted, groups it renamed renamed back, users it created deactivated (not
deleted). A deletion cannot be undone with the same id: the plan says so per subject.

  --log FILE        the provisioning log of the run to undo (one run)
  --force           also restore subjects someone changed since the run (else a note)
  --dry-run         show the undo plan; write nothing (exit 0 nothing to do, 2 pending)
  --yes             apply without asking (once the plan is reviewed)
  --write-log FILE  append this undo run's own provisioning log to FILE

Example:
  scim-provision apply --desired people.csv --url https://example.com/scim/v2 --log run.jsonl
  scim-provision undo --log run.jsonl --url https://example.com/scim/v2 --dry-run`;

export type UndoCommand = {
  name: "undo";
  logFile: string;
  force: boolean;
  help: boolean;
} & ReviewedCommand;

/** `undo`'s options: the common ones, and its own. Built when parsing (args.ts, which
 * dispatches here, is loaded by then). */
const options = () =>
  ({
    ...COMMON,
    log: { type: "string" },
    force: { type: "boolean" },
    "dry-run": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    json: { type: "boolean" },
    "allow-blocked": { type: "boolean" },
    "write-log": { type: "string" },
  }) as const;

/** Parses `undo`'s arguments (after the command name). */
export function parseUndo(args: string[]): UndoCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: options(), strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliError(`undo: ${(error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, "")}`);
  }
  const str = (key: string) => values[key] as string | undefined;
  const flag = (key: string) => values[key] === true;
  const help = flag("help");
  const logFile = str("log");
  const url = str("url");
  if (!help && logFile === undefined) throw new CliError("undo: --log FILE (the provisioning log of the run to undo) is required");
  if (!help && url === undefined) throw new CliError("undo: --url is required");
  return {
    name: "undo",
    help,
    logFile: logFile ?? "",
    force: flag("force"),
    url: url ?? "",
    profile: str("profile"),
    tokenEnv: str("token-env") ?? "SCIM_TOKEN",
    policyFile: str("policy"),
    noColor: flag("no-color"),
    yes: flag("yes"),
    json: flag("json"),
    dryRun: flag("dry-run"),
    allowBlocked: flag("allow-blocked"),
    maxDeactivations: undefined,
    scope: undefined,
    log: str("write-log"),
  };
}

/** Runs `undo`: exit codes as a lifecycle command's (`--dry-run`: 0 nothing to undo, 2
 * pending, 1 blocked; else 0 only when every action succeeded). */
export async function undoCommand(command: UndoCommand, term: Terminal): Promise<number> {
  if (command.help) {
    term.stdout.write(UNDO_USAGE + "\n");
    return 0;
  }
  let text: string;
  try {
    text = readFileSync(command.logFile, "utf8");
  } catch (error) {
    throw new CliError(`cannot read the log ${command.logFile}: ${(error as Error).message}`);
  }
  return reviewedRun(command, term, [], (p, run) =>
    p.undo(text, { ...run, force: command.force }).catch((error: unknown) => {
      // The core refuses a file that is not a log, naming the line (argument `log`).
      if (error instanceof ScimProvisionError && error.data.argument === "log") {
        throw new CliError(`${command.logFile}, ${error.path ?? "line ?"}: ${String(error.data.reason)}`);
      }
      throw error;
    }),
  );
}
