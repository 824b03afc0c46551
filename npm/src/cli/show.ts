// `scim-provision show PLAN.json`: a saved plan read through the core (checked against its
// digest, every figure recomputed) and printed whole, grouped by kind; through a pager on a
// terminal. Offline: no request, no token.

import { spawn } from "node:child_process";

import type { Command } from "./args.js";
import type { Terminal } from "./commands.js";
import { readPlanFile } from "./inputs.js";
import { renderPlan } from "./render-plan.js";
import { Style } from "./style.js";

type Show = Extract<Command, { name: "show" }>;

/** `show`: 0 when the plan was shown. */
export async function showCommand(command: Show, term: Terminal): Promise<number> {
  const { plan } = readPlanFile(command.plan);
  if (command.json) {
    term.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    return 0;
  }
  const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
  const text = renderPlan(plan, new Style(term.stdout, env), command.plan, { all: true }) + "\n";
  const rows = term.stdout.isTTY ? term.stdout.rows : undefined;
  if (command.pager && rows !== undefined && text.split("\n").length > rows && (await page(text))) return 0;
  term.stdout.write(text);
  return 0;
}

/** Pipes `text` through $PAGER (else `less -R`, which keeps the colours); `false` when no
 * pager could be started (the text is then printed as it is). */
function page(text: string): Promise<boolean> {
  const pager = process.env.PAGER?.trim() || "less -R";
  // less: leave the text on screen when it fits, and quit at its end (unless LESS says otherwise).
  const env = { ...process.env, LESS: process.env.LESS ?? "FRX" };
  return new Promise((resolve) => {
    const child = spawn(pager, { shell: true, stdio: ["pipe", "inherit", "inherit"], env });
    child.on("error", () => resolve(false));
    // A reader who quits early closes the pipe: not an error.
    child.stdin.on("error", () => {});
    child.on("exit", (code) => resolve(code !== 127));
    child.stdin.end(text);
  });
}
