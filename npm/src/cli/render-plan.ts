// The plan as a person reads it: actions grouped by kind, each kind counted, membership
// changes folded per group, blocked guards with their reasons. Output only; it decides nothing.

import type { Change, Plan, Step, User } from "../types.js";
import type { Style } from "./style.js";
import { count, printable, table } from "./table.js";

/** How many rows of one kind are shown before "… and N more". */
const SHOWN_PER_KIND = 8;

interface Section {
  title: string;
  mark: string;
  color: (text: string) => string;
  rows: string[][];
}

/** How much of a plan to show. */
export interface RenderOptions {
  /** Every action, every change of each update and every member (`show`); else at most
   * `SHOWN_PER_KIND` rows a kind, memberships counted per group. */
  all?: boolean;
}

/** The plan's text, one line per element, without a trailing newline. */
export function renderPlan(plan: Plan, style: Style, target: string, options: RenderOptions = {}): string {
  const shownPerKind = options.all ? Infinity : SHOWN_PER_KIND;
  const s = plan.source;
  const lines = [
    `${style.bold("Plan")} for ${target} ${style.dim(`(profile ${plan.profile})`)}`,
    style.dim(
      `  directory: ${s.desiredUsers} users, ${s.desiredGroups} groups · server: ${s.serverUsers} users, ${s.serverGroups} groups` +
        (s.listingComplete ? "" : " · listing INCOMPLETE"),
    ),
    "",
  ];

  const sections = groupSteps(plan.actions, style, options.all === true);
  for (const section of sections) {
    if (section.rows.length === 0) continue;
    lines.push(section.color(`${section.title} (${section.rows.length})`));
    const shown = section.rows.slice(0, shownPerKind).map(([subject, detail]) => [
      section.color(section.mark) + " " + subject!,
      style.dim(detail ?? ""),
    ]);
    lines.push(...table(shown));
    if (section.rows.length > shownPerKind) {
      lines.push(style.dim(`  … and ${section.rows.length - shownPerKind} more (scim-provision show PLAN.json lists every action)`));
    }
    lines.push("");
  }

  if (plan.notes.length > 0) {
    lines.push(style.cyan(`Notes (${plan.notes.length})`));
    lines.push(...table(plan.notes.slice(0, shownPerKind).map((n) => [printable(n.subject), style.dim(printable(n.message))])));
    if (plan.notes.length > shownPerKind) lines.push(style.dim(`  … and ${plan.notes.length - shownPerKind} more`));
    lines.push("");
  }

  if (plan.blocked.length > 0) {
    lines.push(style.red(style.bold(`Blocked (${plan.blocked.length}): apply refuses this plan without --allow-blocked`)));
    lines.push(...table(plan.blocked.map((b) => [style.red("✗ " + b.guard), printable(b.reason)])));
    lines.push("");
  }

  lines.push(summaryLine(plan, style));
  if (plan.actions.length > 0) lines.push(costLine(plan, style));
  return lines.join("\n");
}

/** The requests the plan sends and the least time they take, as the core counted them. */
export function costLine(plan: Plan, style: Style): string {
  const c = plan.cost;
  const kinds = Object.entries(c.byKind).map(([kind, n]) => `${n} ${kind}`);
  const rate = c.rateLimit ? ` · at least ${c.minSeconds} s at ${c.rateLimit.requestsPerSecond} requests/s` : "";
  // A targeted plan was made from lookups, not a listing: they are part of its cost.
  const made = c.lookups ? ` and ${count(c.lookups, "lookup")} already made (${count(c.lookups + c.requests, "request")} in all)` : "; the listing already made is not counted";
  return style.dim(`Cost: ${count(c.requests, "request")} (${kinds.join(", ")})${rate}${made}`);
}

/** One line of counts, or "No changes." */
export function summaryLine(plan: Plan, style: Style): string {
  const m = plan.summary;
  const parts: Array<[number, string, string, (t: string) => string]> = [
    [m.createUsers, "user", "to create", style.green],
    [m.updateUsers, "user", "to update", style.yellow],
    [m.reactivateUsers, "user", "to reactivate", style.green],
    [m.deactivateUsers, "user", "to deactivate", style.red],
    [m.deleteUsers, "user", "to delete", style.red],
    [m.createGroups, "group", "to create", style.green],
    [m.updateGroups, "group", "to rename", style.yellow],
    [m.deleteGroups, "group", "to delete", style.red],
    [m.addMembers, "membership", "to add", style.green],
    [m.removeMembers, "membership", "to remove", style.red],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, noun, what, color]) => color(`${count(n, noun)} ${what}`));
  if (shown.length === 0) return style.green("No changes: the server matches the directory.");
  return `${style.bold("Changes:")} ${shown.join(", ")}${plan.blocked.length > 0 ? style.red(" (blocked)") : ""}`;
}

function groupSteps(steps: Step[], style: Style, all: boolean): Section[] {
  const section = (title: string, mark: string, color: (t: string) => string): Section => ({ title, mark, color, rows: [] });
  const create = section("Create users", "+", style.green);
  const update = section("Update users", "~", style.yellow);
  const reactivate = section("Reactivate users", "↺", style.green);
  const deactivate = section("Deactivate users", "-", style.red);
  const remove = section("Delete users", "✗", style.red);
  const createGroup = section("Create groups", "+", style.green);
  const rename = section("Rename groups", "~", style.yellow);
  const deleteGroup = section("Delete groups", "✗", style.red);
  const members = section("Change memberships", "±", style.cyan);

  // Membership steps are chunked to the server's limits; a reviewer wants one line per group.
  // With `all`, each member by name: "+ana@x.com -bo@x.com".
  const perGroup = new Map<string, { added: number; removed: number; names: string[] }>();
  const countMembers = (group: string, added: Array<{ userName: string }> | number, removed: Array<{ userName: string }> = []) => {
    const entry = perGroup.get(group) ?? { added: 0, removed: 0, names: [] };
    entry.added += typeof added === "number" ? added : added.length;
    entry.removed += removed.length;
    if (all && typeof added !== "number") entry.names.push(...added.map((m) => `+${m.userName}`));
    if (all) entry.names.push(...removed.map((m) => `-${m.userName}`));
    perGroup.set(group, entry);
  };

  for (const step of steps) {
    switch (step.type) {
      case "createUser":
        create.rows.push([printable(step.userName), printable(describeNew(step.user) ?? step.reason)]);
        break;
      case "updateUser":
        update.rows.push([printable(step.user.userName), describeChanges(step.changes, all ? Infinity : 3)]);
        break;
      case "reactivateUser":
        reactivate.rows.push([printable(step.user.userName), printable(step.reason)]);
        break;
      case "deactivateUser":
        deactivate.rows.push([printable(step.user.userName), printable(step.reason)]);
        break;
      case "deleteUser":
        remove.rows.push([printable(step.user.userName), printable(step.reason)]);
        break;
      case "createGroup": {
        const carried = step.members?.length ?? 0;
        const detail = carried > 0 ? `${step.reason}; with ${count(carried, "member")}` : step.reason;
        createGroup.rows.push([printable(step.displayName), printable(detail)]);
        if (carried > 0) countMembers(step.displayName, all ? step.members! : carried);
        break;
      }
      case "renameGroup":
        rename.rows.push([printable(step.group.displayName), `→ ${printable(step.to)}`]);
        break;
      case "deleteGroup":
        deleteGroup.rows.push([printable(step.group.displayName), printable(step.reason)]);
        break;
      case "addMembers":
        countMembers(step.group.displayName, step.members);
        break;
      case "removeMembers":
        countMembers(step.group.displayName, [], step.members);
        break;
      case "setMembers":
        countMembers(step.group.displayName, step.added, step.removed);
        break;
    }
  }
  for (const [group, { added, removed, names }] of perGroup) {
    const change = [added > 0 ? `+${added}` : "", removed > 0 ? `-${removed}` : ""].filter(Boolean).join(" ");
    members.rows.push([printable(group), all ? `${change}: ${printable(names.join(" "))}` : change]);
  }
  return [create, update, reactivate, deactivate, remove, createGroup, rename, deleteGroup, members];
}

/** "Title · Department" of a new user, when the directory gives them. */
function describeNew(user: User): string | undefined {
  const department = user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.department;
  const parts = [user.title, department].filter((p): p is string => typeof p === "string" && p !== "");
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

function describeChanges(changes: Change[], limit: number): string {
  const shown = changes.slice(0, limit).map((c) => `${shortAttribute(c.attribute)}: ${value(c.before)} → ${value(c.after)}`);
  if (changes.length > limit) shown.push(`+${changes.length - limit} more`);
  return printable(shown.join("; "));
}

/** Enterprise-extension attributes by their last segment: "department", not the whole URN. */
function shortAttribute(attribute: string): string {
  const colon = attribute.lastIndexOf(":");
  return colon >= 0 ? attribute.slice(colon + 1) : attribute;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return "∅";
  // A string in quotes as it is (no \" inside), anything else as JSON.
  const text = typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v));
  return text.length > 40 ? text.slice(0, 39) + "…" : text;
}
