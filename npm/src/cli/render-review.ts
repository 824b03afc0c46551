// The report's license, cost and access-review sections as text tables. Output only: the
// figures, the changes and their order come from the core; money arrives in integer cents.

import type { CountChange, LicenseSeats, OpsReport, ReportComparison, ReportCost } from "../types.js";
import type { Style } from "./style.js";
import { printable, table } from "./table.js";

const UNASSIGNED = "(unassigned)";

/** A name for one table cell: printable, and cut to 60 characters. */
function cell(text: string): string {
  const chars = [...printable(text)];
  return chars.length > 60 ? `${chars.slice(0, 59).join("")}…` : chars.join("");
}

/** Cents as `USD 1,234.56` (integer arithmetic: no float touches the amount). */
export function money(cents: number, currency: string): string {
  const whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${cell(currency)} ${whole}.${String(cents % 100).padStart(2, "0")}`;
}

function opt(n: number | undefined | null): string {
  return n === undefined || n === null ? "-" : String(n);
}

function signed(c: CountChange): string {
  return c.change > 0 ? `+${c.change}` : String(c.change);
}

export function licenseLines(licenses: LicenseSeats[], style: Style): string[] {
  if (licenses.length === 0) return [];
  const head = ["type", "purchased", "active", "deactivated", "unused", "over by", "not in directory"].map(style.dim);
  const rows = licenses.map((l) => [
    cell(l.license),
    opt(l.purchased),
    String(l.active),
    String(l.deactivated),
    l.unused === undefined ? "-" : style.yellow(String(l.unused)),
    l.overBy === undefined ? "-" : style.red(String(l.overBy)),
    opt(l.notInDirectory),
  ]);
  return [style.bold("Seats by license type"), ...table([head, ...rows], ["left", "right", "right", "right", "right", "right", "right"]), ""];
}

export function costLines(cost: ReportCost | null | undefined, style: Style): string[] {
  if (!cost) return [];
  const m = (n: number | undefined | null) => (n === undefined || n === null ? "-" : money(n, cost.currency));
  const rows = [
    ["price per seat", m(cost.perSeat)],
    ["active seats", m(cost.active)],
    ["unused seats", style.yellow(m(cost.unused))],
  ];
  if (cost.unpriced > 0) rows.push(["active users without a price", style.red(String(cost.unpriced))]);
  const lines = [style.bold("Cost"), ...table(rows, ["left", "right"]), ""];
  if (cost.byLicense.length > 0) {
    const head = ["type", "price", "active", "unused"].map(style.dim);
    lines.push(...table([head, ...cost.byLicense.map((l) => [cell(l.license), m(l.price), m(l.active), m(l.unused)])], ["left", "right", "right", "right"]), "");
  }
  for (const [title, buckets] of [
    ["Chargeback by department", cost.byDepartment],
    ["Chargeback by cost center", cost.byCostCenter],
  ] as const) {
    if (buckets.length === 0) continue;
    lines.push(style.bold(title));
    lines.push(...table(buckets.map((b) => [b.name === null ? style.dim(UNASSIGNED) : cell(b.name), String(b.count), m(b.amount)]), ["left", "right", "right"]), "");
  }
  return lines;
}

export function reviewLines(report: OpsReport, style: Style): string[] {
  const c: ReportComparison | null | undefined = report.comparison;
  if (!c) return [];
  const lines = [style.bold(`Access review since ${c.previousTakenAt ?? c.previousTakenAtMs}`)];
  const head = ["", "before", "now", "change"].map(style.dim);
  const rows = [
    ["users", c.totalUsers],
    ["active (billed)", c.active],
    ["deactivated", c.deactivated],
    ...c.licenses.map((l) => [`${cell(l.license)} active`, l.active] as const),
  ].map(([label, n]) => [label as string, String((n as CountChange).previous), String((n as CountChange).current), signed(n as CountChange)]);
  lines.push(...table([head, ...rows], ["left", "right", "right", "right"]), "");
  lines.push(style.bold(`Users changed (${c.users.length})`));
  if (c.users.length === 0) lines.push(style.dim("  none"));
  else lines.push(...table(c.users.map((u) => [u.change === "removed" || u.change === "deactivated" ? style.yellow(u.change) : style.green(u.change), cell(u.userName)])));
  lines.push("", style.bold(`Group access changed (${c.access.length})`));
  if (c.access.length === 0) lines.push(style.dim("  none"));
  else lines.push(...table(c.access.map((a) => [a.change === "gained" ? style.green("gained") : style.yellow("lost"), cell(a.userName ?? `unknown id ${a.memberId}`), cell(a.group)])));
  if (c.groupsUnknown.length > 0) lines.push(style.dim(`  members not listed in one of the reports, changes unknown: ${c.groupsUnknown.map(cell).join(", ")}`));
  lines.push("");
  return lines;
}
