// The SaaS-ops report as text tables: seats, chargeback by department and cost center, stale
// accounts, and the access snapshot per group. Output only; the figures come from the core.

import type { BucketCount, OpsReport } from "../types.js";
import type { Style } from "./style.js";
import { costLines, licenseLines, reviewLines } from "./render-review.js";
import { count, printable, table } from "./table.js";

const UNASSIGNED = "(unassigned)";

/** The report's text, without a trailing newline. */
export function renderReport(report: OpsReport, style: Style, target: string): string {
  const { seats, chargeback, snapshot, stale } = report;
  const lines = [`${style.bold("Report")} for ${printable(report.server ?? target)}${snapshot.takenAt ? style.dim(` at ${snapshot.takenAt}`) : ""}`, ""];
  if (!report.complete) {
    // Before any figure: they may be short.
    lines.push(style.red(style.bold("Incomplete listing: these figures may be short.")));
    lines.push(...report.incomplete.map((reason) => `  - ${printable(reason)}`), "");
  }

  lines.push(style.bold("Seats"));
  const seatRows: string[][] = [
    ["users", String(seats.totalUsers)],
    ["active (billed)", String(seats.active)],
    ["deactivated", String(seats.deactivated)],
  ];
  if (seats.purchased !== undefined) seatRows.push(["purchased", String(seats.purchased)]);
  if (seats.unused !== undefined) seatRows.push(["unused", style.yellow(String(seats.unused))]);
  if (seats.overBy !== undefined) seatRows.push(["over by", style.red(String(seats.overBy))]);
  if (seats.desiredActive !== undefined) seatRows.push(["needed by the directory", String(seats.desiredActive)]);
  lines.push(...table(seatRows, ["left", "right"]), "");
  lines.push(...licenseLines(report.licenses ?? [], style));
  lines.push(...costLines(report.cost, style));

  lines.push(...buckets("Active users by department", chargeback.byDepartment, chargeback.activeUsers, style));
  lines.push(...buckets("Active users by cost center", chargeback.byCostCenter, chargeback.activeUsers, style));

  lines.push(style.bold(`Stale accounts (${stale.length})`));
  if (stale.length === 0) {
    lines.push(style.dim(report.seats.desiredActive === undefined ? "  (pass --desired to compare with the directory)" : "  none"));
  } else {
    lines.push(...table([[style.dim("userName"), style.dim("why"), style.dim("action")], ...stale.map((r) => [printable(r.userName), printable(r.reason), style.yellow(printable(r.action))])]));
  }
  lines.push("");

  lines.push(style.bold(`Access snapshot (${snapshot.groups.length} groups)`));
  const groupRows = snapshot.groups.map((g) => {
    if (!g.membersListed) return [printable(g.displayName), style.dim("members not listed")];
    const inactive = g.members.filter((m) => m.status === "known" && !m.active).length;
    const unknown = g.members.filter((m) => m.status === "unknown").length;
    const extra = [inactive > 0 ? style.yellow(`${inactive} inactive`) : "", unknown > 0 ? style.red(`${unknown} unknown`) : ""].filter(Boolean);
    return [printable(g.displayName), `${count(g.members.length, "member")}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`];
  });
  lines.push(...table(groupRows));
  const review = reviewLines(report, style);
  if (review.length > 0) lines.push("", ...review.slice(0, -1));
  return lines.join("\n");
}

function buckets(title: string, rows: BucketCount[], total: number, style: Style): string[] {
  if (rows.length === 0) return [];
  const widest = Math.max(...rows.map((r) => r.count));
  const bar = (n: number) => style.cyan("█".repeat(Math.max(1, Math.round((n / Math.max(1, widest)) * 20))));
  const out = rows.map((r) => [
    r.name === null ? style.dim(UNASSIGNED) : printable(r.name),
    String(r.count),
    style.dim(`${((r.count / Math.max(1, total)) * 100).toFixed(0)}%`),
    bar(r.count),
  ]);
  return [style.bold(title), ...table(out, ["left", "right", "right", "left"]), ""];
}
