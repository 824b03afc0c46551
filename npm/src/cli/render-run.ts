// The end of an apply as a person reads it: what happened to each kind of action, every
// failure with the server's answer, and the run's traffic. Output only.

import type { ActionKind, ActionOutcome, RunReport } from "../types.js";
import type { Style } from "./style.js";
import { count, printable, table } from "./table.js";

const SHOWN_FAILURES = 20;

/** The run summary, without a trailing newline. */
export function renderRun(report: RunReport, style: Style): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  const problems: ActionOutcome[] = [];
  for (const o of report.outcomes) {
    counts.set(o.result.status, (counts.get(o.result.status) ?? 0) + 1);
    // An adoption whose lookup failed first is shown too: the server refused a query.
    // Actions not run are counted above, not listed one by one.
    if (o.result.status !== "applied" && o.result.status !== "notRun" && !(o.result.status === "adopted" && !o.result.lookupError)) problems.push(o);
  }

  const headline: Record<string, string> = {
    applied: style.green(style.bold("Applied")),
    partiallyApplied: style.yellow(style.bold("Partially applied")),
    refused: style.red(style.bold("Refused")),
    failed: style.red(style.bold("Failed")),
    aborted: style.yellow(style.bold("Aborted")),
    quarantined: style.red(style.bold("Quarantined")),
    planned: style.bold("Planned"),
  };
  if (report.status === "aborted") {
    lines.push(...stopped(report, style));
  } else {
    lines.push(`${headline[report.status] ?? report.status}${report.reason ? `: ${printable(report.reason)}` : ""}`);
  }

  const order: Array<[string, (t: string) => string]> = [
    ["applied", style.green],
    ["adopted", style.green],
    ["drift", style.yellow],
    ["failed", style.red],
    ["skipped", style.yellow],
    ["notRun", style.dim],
  ];
  const tally = order.filter(([status]) => counts.has(status)).map(([status, color]) => color(`${counts.get(status)} ${status === "notRun" ? "not run" : status}`));
  if (tally.length > 0 && report.status !== "aborted") lines.push(`  actions: ${tally.join(", ")}`);

  if (problems.length > 0) {
    lines.push(...table(problems.slice(0, SHOWN_FAILURES).map((o) => [(o.result.status === "adopted" ? style.yellow : style.red)(o.result.status), o.kind, printable(o.subject), style.dim(printable(why(o)))])));
    if (problems.length > SHOWN_FAILURES) lines.push(style.dim(`  … and ${problems.length - SHOWN_FAILURES} more (--json shows every outcome)`));
  }
  for (const warning of report.warnings) lines.push(style.yellow(`  warning: ${printable(warning)}`));
  // Waits: the pauses the run really made (the core counts them on the host's clock).
  const waits = report.waits > 0 ? `, ${count(report.waits, "pause")} for the rate limit or a retry (${seconds(report.waitedMs)})` : "";
  lines.push(style.dim(`  ${count(report.requestsSent, "request")}, ${count(report.retries, "retry", "retries")}${waits}, ${seconds(report.elapsedMs)} in all`));
  return lines.join("\n");
}

/** What each kind of action is, done and not done. */
const KINDS: Record<ActionKind, [string, string, string]> = {
  createUser: ["user", "created", "to create"],
  updateUser: ["user", "updated", "to update"],
  reactivateUser: ["user", "reactivated", "to reactivate"],
  deactivateUser: ["user", "deactivated", "to deactivate"],
  deleteUser: ["user", "deleted", "to delete"],
  createGroup: ["group", "created", "to create"],
  renameGroup: ["group", "renamed", "to rename"],
  deleteGroup: ["group", "deleted", "to delete"],
  addMembers: ["membership change", "made", "to make"],
  removeMembers: ["membership change", "made", "to make"],
  setMembers: ["membership change", "made", "to make"],
};

/** A run stopped before its end (Ctrl-C): what was done and what was not, in words. */
function stopped(report: RunReport, style: Style): string[] {
  const done = new Map<string, number>();
  const notDone = new Map<string, number>();
  let made = 0;
  for (const o of report.outcomes) {
    const [noun, past, todo] = KINDS[o.kind];
    const ok = o.result.status === "applied" || o.result.status === "adopted";
    if (ok) made++;
    const key = `${noun}\u0000${ok ? past : todo}`;
    const into = ok ? done : notDone;
    into.set(key, (into.get(key) ?? 0) + 1);
  }
  const words = (m: Map<string, number>) =>
    [...m].map(([key, n]) => {
      const [noun, what] = key.split("\u0000");
      return `${count(n, noun!)} ${what}`;
    });
  const total = report.outcomes.length;
  const lines = [style.yellow(style.bold(`Stopped before the end: ${made} of ${count(total, "change")} made, ${total - made} not.`))];
  if (done.size > 0) lines.push(`  done: ${words(done).join(", ")}`);
  if (notDone.size > 0) lines.push(`  not done: ${words(notDone).join(", ")}`);
  if (total > made) lines.push("  Run the same command again to finish: it plans from what the server holds now.");
  return lines;
}

function why(o: ActionOutcome): string {
  const r = o.result;
  switch (r.status) {
    case "drift":
      return r.detail;
    case "skipped":
      return r.reason;
    case "notRun":
      return "not run";
    case "failed": {
      const e = r.error;
      if (e.kind === "server") return [`HTTP ${e.httpStatus}`, e.scimType, e.detail].filter(Boolean).join(" ");
      if (e.kind === "unanswered") return `no answer after ${e.attempts} attempts: ${e.reason}`;
      return e.reason;
    }
    case "adopted": {
      const e = r.lookupError;
      return e ? `adopted ${r.id} from the listing; the lookup failed: ${[`HTTP ${e.httpStatus}`, e.scimType, e.detail].filter(Boolean).join(" ")}` : "";
    }
    default:
      return "";
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
