// `scim-provision undo --log FILE`: the inverse of a logged run, planned by the core
// (`plan_undo`: who to reactivate, which attributes and memberships to restore, which group
// names to put back, which created users to deactivate, what cannot be undone) and then
// reviewed and applied like any plan (`--dry-run`, `--yes`, or asked). Here only the
// log file read, and the shared presentation of a reviewed run.

import { readFileSync } from "node:fs";

import { ScimProvisionError } from "../node.js";
import type { Terminal } from "./commands.js";
import { CliError } from "./inputs.js";
import { reviewedRun, type ReviewedCommand } from "./targeted.js";

export type UndoCommand = {
  name: "undo";
  logFile: string;
  force: boolean;
} & ReviewedCommand;

/** Runs `undo`: exit codes as a lifecycle command's (`--dry-run`: 0 nothing to undo, 2
 * pending, 1 blocked; else 0 only when every action succeeded). */
export async function undoCommand(command: UndoCommand, term: Terminal): Promise<number> {
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
