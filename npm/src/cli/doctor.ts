// `scim-provision doctor`: probes a SCIM server's quirks (read only; `--write` also on
// throwaway resources it removes afterwards) and prints the compatibility table, each finding
// with its evidence, and writes the profile the findings make (`--profile-out`), which
// `--profile FILE` takes everywhere. The core probes and judges (`Provisioner.doctor`); this
// names the checks in words and prints.

import { Provisioner } from "../node.js";
import type { DoctorReport, Finding } from "../types.js";
import { EXIT_ERROR, EXIT_OK, EXIT_PENDING, type Terminal } from "./commands.js";
import { CliError, readProfile, readToken, writeOut } from "./inputs.js";
import { Style } from "./style.js";
import { printable, table } from "./table.js";

export interface DoctorCommand {
  name: "doctor";
  url: string;
  profile: string | undefined;
  tokenEnv: string;
  json: boolean;
  profileOut: string | undefined;
  write: boolean;
  noColor: boolean;
}

/** What each check probes, in words (the core's findings carry codes only). */
const LABELS: Record<Finding["check"], string> = {
  auth: "bearer token accepted",
  serviceProviderConfig: "GET /ServiceProviderConfig",
  schemas: "GET /Schemas",
  resourceTypes: "GET /ResourceTypes",
  pageSizeCap: "page size cap",
  startIndex: "startIndex honoured",
  stableOrder: "order stable across reads",
  cursor: "cursor paging (RFC 9865)",
  bulk: "Bulk advertised",
  filterUserName: 'filter userName eq "..."',
  userNameCase: "userName case-insensitive",
  filterDisplayName: 'filter displayName eq "..."',
  escapedQuote: 'escaped \\" in a filter value',
  escapedBackslash: "escaped \\\\ in a filter value",
  errorStatus: "error status type",
  unknownUser: "unknown user id",
  unknownGroup: "unknown group id",
  rateLimitHeaders: "rate-limit headers",
  createStatus: "create status",
  duplicateUserName: "duplicate userName refused",
  createGroupWithMembers: "POST /Groups keeps members",
  groupNameUnique: "group names unique",
  patchAddArray: "PATCH add members (array)",
  patchAddSingle: "PATCH add member (object)",
  patchRemoveByValue: 'PATCH remove members[value eq "..."]',
  patchOpCase: "PATCH op name case",
  patchPathless: "PATCH replace without path",
  deleteUser: "DELETE /Users/{id}",
  cleanup: "throwaway resources removed",
};

/** `doctor`: 0 when nothing was flagged, 2 when quirks were found, 1 when the credentials
 * were refused or a throwaway resource could not be removed. */
export async function doctorCommand(command: DoctorCommand, term: Terminal): Promise<number> {
  const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
  const style = new Style(term.stdout, env);
  const p = new Provisioner({
    baseUrl: command.url,
    profile: command.profile !== undefined ? readProfile(command.profile) : "generic",
    token: readToken(command.tokenEnv),
  });
  if (!command.json) term.stderr.write(`  probing ${command.url}${command.write ? " (with writes on throwaway resources)" : " (read only)"}\n`);
  const report = await p.doctor({ write: command.write, signal: term.signal });
  if (command.profileOut) writeOut(command.profileOut, JSON.stringify(report.profile, null, 2) + "\n");
  term.stdout.write((command.json ? JSON.stringify(report, null, 2) : render(report, style, command)) + "\n");
  const flagged = report.findings.filter((f) => f.verdict === "quirk" || f.verdict === "failed");
  if (report.findings.some((f) => f.verdict === "failed")) return EXIT_ERROR;
  return flagged.length > 0 ? EXIT_PENDING : EXIT_OK;
}

function render(report: DoctorReport, style: Style, command: DoctorCommand): string {
  const mark = (f: Finding) => {
    switch (f.verdict) {
      case "ok":
        return style.green("ok");
      case "quirk":
        return style.yellow("QUIRK");
      case "failed":
        return style.red("FAILED");
      default:
        return style.dim(f.verdict);
    }
  };
  const rows = report.findings.map((f) => [LABELS[f.check] ?? f.check, mark(f), value(f), evidenceLine(f.evidence[0])]);
  const lines = [style.bold(`Compatibility of ${printable(command.url)}`), ...table([["check", "verdict", "value", "evidence"].map(style.dim), ...rows])];
  const flagged = report.findings.filter((f) => f.verdict === "quirk" || f.verdict === "failed");
  for (const f of flagged) {
    lines.push("", `${style.bold(LABELS[f.check] ?? f.check)}: ${mark(f)}${f.value !== null ? ` (${value(f)})` : ""}`);
    for (const e of f.evidence) lines.push(`    ${evidenceLine(e)}${e.excerpt ? `\n      ${style.dim(printable(e.excerpt))}` : ""}`);
  }
  lines.push("", `${flagged.length} flagged, ${report.findings.filter((f) => f.verdict === "unknown").length} unknown, ${report.requests} requests${report.stopped ? ", stopped early" : ""}`);
  if (command.profileOut) lines.push(style.dim(`Profile ${report.profile.name} written to ${command.profileOut}; use it with --profile ${command.profileOut}`));
  return lines.join("\n");
}

function value(f: Finding): string {
  if (f.value === null || f.value === undefined) return "";
  return printable(typeof f.value === "string" ? f.value : JSON.stringify(f.value));
}

function evidenceLine(e: Finding["evidence"][number] | undefined): string {
  if (!e) return "";
  return printable(`${e.method} ${e.path} → ${e.status ?? "no answer"}`);
}
