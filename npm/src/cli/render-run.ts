// The end of an apply as a person reads it: what happened to each kind of action, every
// failure with the server's answer, and the run's traffic. Output only.

import type { ActionOutcome, RunReport } from "../types.js";
import type { Style } from "./style.js";
import { printable, table } from "./table.js";

const SHOWN_FAILURES = 20;

/** The run summary, without a trailing newline. */
export function renderRun(report: RunReport, style: Style): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  const problems: ActionOutcome[] = [];
  for (const o of report.outcomes) {
    counts.set(o.result.status, (counts.get(o.result.status) ?? 0) + 1);
    // An adoption whose lookup failed first is shown too: the server refused a query.
    if (o.result.status !== "applied" && !(o.result.status === "adopted" && !o.result.lookupError)) problems.push(o);
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
  lines.push(`${headline[report.status] ?? report.status}${report.reason ? `: ${printable(report.reason)}` : ""}`);

  const order: Array<[string, (t: string) => string]> = [
    ["applied", style.green],
    ["adopted", style.green],
    ["drift", style.yellow],
    ["failed", style.red],
    ["skipped", style.yellow],
    ["notRun", style.dim],
  ];
  const tally = order.filter(([status]) => counts.has(status)).map(([status, color]) => color(`${counts.get(status)} ${status}`));
  if (tally.length > 0) lines.push(`  actions: ${tally.join(", ")}`);

  if (problems.length > 0) {
    lines.push(...table(problems.slice(0, SHOWN_FAILURES).map((o) => [(o.result.status === "adopted" ? style.yellow : style.red)(o.result.status), o.kind, printable(o.subject), style.dim(printable(why(o)))])));
    if (problems.length > SHOWN_FAILURES) lines.push(style.dim(`  … and ${problems.length - SHOWN_FAILURES} more (--json shows every outcome)`));
  }
  for (const warning of report.warnings) lines.push(style.yellow(`  warning: ${printable(warning)}`));
  lines.push(
    style.dim(
      `  ${report.requestsSent} requests, ${report.retries} retries, ${report.waits} waits (${seconds(report.waitedMs)}), ${seconds(report.elapsedMs)} in all`,
    ),
  );
  return lines.join("\n");
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
