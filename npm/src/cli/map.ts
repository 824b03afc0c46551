// `scim-provision map`: an offline preview of what an attribute mapping makes of an export —
// the mapped users, every row error with its row and column, who is in and out of scope —
// before anything is planned. The core maps and judges (`mapPreview`); this prints.

import { mapPreview } from "../node.js";
import type { MapPreview, Policy, User } from "../types.js";
import type { Terminal } from "./commands.js";
import { directoryErrors, readDesired, readMapping, readPolicy } from "./inputs.js";
import { Style } from "./style.js";
import { printable, table } from "./table.js";

export interface MapCommand {
  name: "map";
  desired: string;
  mapping: string;
  policyFile: string | undefined;
  scope: string | undefined;
  limit: number;
  json: boolean;
  noColor: boolean;
}

/** `map`: 0 when every row maps, 1 when a row does not (the preview is printed either way). */
export function mapCommand(command: MapCommand, term: Terminal): number {
  const file = readDesired(command.desired);
  const base: Policy | undefined = command.policyFile ? readPolicy(command.policyFile) : undefined;
  const policy = command.scope === undefined ? base : { ...base, scope: { ...base?.scope, filter: command.scope } };
  const preview = directoryErrors(file, () => mapPreview(file.bytes, command.desired, readMapping(command.mapping), { policy, limit: command.limit }));
  if (command.json) {
    term.stdout.write(JSON.stringify(preview, null, 2) + "\n");
  } else {
    const env = command.noColor ? { ...process.env, NO_COLOR: "1" } : process.env;
    term.stdout.write(render(preview, new Style(term.stdout, env)) + "\n");
  }
  return preview.errors.length === 0 ? 0 : 1;
}

function render(p: MapPreview, style: Style): string {
  const lines: string[] = [];
  const outside = p.mapped - p.inScope;
  lines.push(style.bold(`Mapped ${p.mapped} of ${p.records} records: ${p.inScope} in scope, ${outside} out of scope, ${p.groups.length} groups`));
  if (p.users.length > 0) {
    const rows = p.users.map((u) => [printable(u.userName), printable(name(u)), u.active === false ? style.yellow("inactive") : "active", printable(u.title ?? ""), printable(groupsOf(p, u.userName))]);
    lines.push(...table([["userName", "name", "status", "title", "groups"].map((h) => style.dim(h)), ...rows]));
    if (p.mapped > p.users.length) lines.push(style.dim(`  … and ${p.mapped - p.users.length} more (--limit N shows more, --json all fields)`));
  }
  if (p.outOfScope.length > 0) lines.push(style.yellow(`Out of scope (never touched): ${p.outOfScope.map(printable).join(", ")}${outside > p.outOfScope.length ? ", …" : ""}`));
  for (const e of p.errors) {
    lines.push(style.red(`row ${e.row}${e.column ? `, column "${printable(e.column)}"` : ""}: ${printable(e.reason)}`));
  }
  if (p.errors.length > 0) lines.push(style.red(`${p.errors.length} rows do not map: plan and apply refuse this export until they do`));
  return lines.join("\n");
}

function name(u: User): string {
  return [u.name?.givenName, u.name?.familyName].filter(Boolean).join(" ");
}

function groupsOf(p: MapPreview, userName: string): string {
  return p.groups
    .filter((g) => (g.members ?? []).includes(userName))
    .map((g) => g.displayName)
    .join("; ");
}
