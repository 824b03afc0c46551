// Command-line parsing (node's `util.parseArgs`) and the help text, both read from one table:
// each command declares its flags (with their help), its description, an example and how its
// values become a typed `Command`. A flag is added by adding it to a command's `flags` (or to
// a shared group), a command by adding an entry to `COMMANDS`; parsing and `--help` follow.

import { parseArgs, type ParseArgsConfig } from "node:util";

import { parseCap, ScimProvisionError } from "../node.js";
import type { Cap } from "../types.js";
import { CliError } from "./inputs.js";
import type { DoctorCommand } from "./doctor.js";
import type { MapCommand } from "./map.js";
import { parseReportArgs, type ReportArgs } from "./report-args.js";
import type { UndoCommand } from "./undo.js";

export type { ReportFormat } from "./report-args.js";

/** One flag of a command: `--name VALUE` when `value` names its placeholder, else a switch. */
export interface Flag {
  name: string;
  value?: string;
  short?: string;
  /** Given more than once (`--license-group A=X --license-group B=Y`). */
  multiple?: boolean;
  help: string;
}

/** The values a command line gave. */
export interface Given {
  str(name: string): string | undefined;
  flag(name: string): boolean;
  /** `--name` or the command's error when absent or blank. */
  need(name: string): string;
  positionals: string[];
  /** Every value as parsed (a repeatable flag's as a list). */
  values: Record<string, unknown>;
}

/** One command: what `--help` says about it and how its arguments become a `Command`. */
export interface CommandSpec {
  /** One line for the overview. */
  summary: string;
  /** What follows the command name in the synopsis. */
  synopsis: string;
  /** More about the command, shown by its `--help`. */
  description?: string;
  flags: Flag[];
  /** A positional argument (`show PLAN.json`). */
  positional?: { name: string; help: string };
  examples: string[];
  exits: string;
  build(given: Given): Command;
}

/** How plan and apply read the directory and whom they manage. */
interface Directory {
  mapping: string | undefined;
  scope: string | undefined;
}

interface Common {
  url: string;
  profile: string | undefined;
  tokenEnv: string;
  policyFile: string | undefined;
  noColor: boolean;
}

export type Command =
  | ({ name: "plan"; desired: string; json: boolean; out: string | undefined; maxDeactivations: Cap | undefined } & Common & Directory)
  | ({
      name: "apply";
      plan: string | undefined;
      desired: string | undefined;
      yes: boolean;
      json: boolean;
      allowBlocked: boolean;
      maxDeactivations: Cap | undefined;
      /** `--log FILE`: the provisioning log, appended to. */
      log: string | undefined;
    } & Common &
      Directory)
  | { name: "show"; plan: string; json: boolean; pager: boolean; noColor: boolean }
  | MapCommand
  | ({ name: "report" } & ReportArgs & Common)
  | DoctorCommand
  | TargetedCommand
  | UndoCommand
  /** The usage (`command`: one command's); `missing`: no command was given (exit 1). */
  | { name: "help"; command?: string; missing?: boolean }
  | { name: "version" };

/** The attributes `provision` sets. */
export interface ProvisionAttributes {
  givenName?: string;
  familyName?: string;
  title?: string;
  department?: string;
  costCenter?: string;
  externalId?: string;
}

/** A lifecycle command (`provision` ... `events`): the fields its name uses are set. */
export type TargetedCommand = {
  name: "provision" | "deprovision" | "reactivate" | "grant" | "revoke" | "events";
  user: string | undefined;
  group: string | undefined;
  groups: string[];
  attributes: ProvisionAttributes;
  delete: boolean;
  file: string | undefined;
  skipMalformed: boolean;
  /** `events --mapping`: each event's person read through this mapping (a name or a file). */
  mapping: string | undefined;
  yes: boolean;
  json: boolean;
  dryRun: boolean;
  allowBlocked: boolean;
  maxDeactivations: Cap | undefined;
  /** Refuse subjects outside this SCIM filter (added to the policy's `scope.filter`). */
  scope: string | undefined;
  /** `--log FILE`: the provisioning log, appended to. */
  log: string | undefined;
} & Common;

// ---- the flags, in groups several commands share ----

const SERVER: Flag[] = [
  { name: "url", value: "URL", help: "the SCIM base URL (required), e.g. https://airtable.com/scim/v2" },
  { name: "profile", value: "NAME|FILE", help: "the server's profile: airtable, generic (default), slack, ... or a profile file (such as `doctor --profile-out` writes)" },
  { name: "token-env", value: "NAME", help: "the environment variable holding the bearer token (default SCIM_TOKEN)" },
  { name: "policy", value: "FILE", help: "a policy file (JSON): scope, protected users, removal caps, offboarding" },
];
const JSON_OUT: Flag = { name: "json", help: "print JSON instead of the table" };
const NO_COLOR: Flag = { name: "no-color", help: "plain output without colours (NO_COLOR is honoured too)" };
const DESIRED: Flag = { name: "desired", value: "FILE", help: "the directory: a CSV or JSON file of users and groups (README: Desired state), or an export read through --mapping" };
const MAPPING: Flag = {
  name: "mapping",
  value: "NAME|FILE",
  help: "read --desired through an attribute mapping: workday, bamboohr, google-workspace or a mapping file (docs/MAPPING.md)",
};
const SCOPE: Flag = { name: "scope", value: "FILTER", help: `manage only users matching this SCIM filter, e.g. 'title sw "Sales"'` };
const MAX_DEACTIVATIONS: Flag = { name: "max-deactivations", value: "N|P%", help: "refuse a plan deactivating more users than N, or P% of those in scope" };
const ALLOW_BLOCKED: Flag = { name: "allow-blocked", help: "apply a plan a guard blocked (read its reasons first)" };
const YES: Flag = { name: "yes", short: "y", help: "apply without asking (for scripts, once the plan is reviewed)" };
const DRY_RUN: Flag = { name: "dry-run", help: "show the plan only; nothing is written" };
const USER: Flag = { name: "user", value: "EMAIL", help: "the user's userName (required)" };
const GROUP: Flag = { name: "group", value: "NAME", help: "the group's displayName (required)" };
const LOG: Flag = { name: "log", value: "FILE", help: "append the run's provisioning log (JSON Lines, docs/LOG.md) to FILE, for auditors and `undo`" };
const TARGETED_COMMON: Flag[] = [...SERVER, YES, DRY_RUN, SCOPE, MAX_DEACTIVATIONS, ALLOW_BLOCKED, LOG, JSON_OUT, NO_COLOR];

const TARGETED_EXITS = "0 = done or already in effect, 1 = an error, a refusal or a failed action, 130 = stopped by Ctrl-C; --dry-run: 0 = no changes, 2 = changes pending, 1 = blocked";
const EXAMPLE_URL = "--url https://airtable.com/scim/v2 --profile airtable";

function common(given: Given): Common {
  return {
    url: checkUrl(given.need("url")),
    profile: given.str("profile"),
    tokenEnv: given.str("token-env") ?? "SCIM_TOKEN",
    policyFile: given.str("policy"),
    noColor: given.flag("no-color"),
  };
}

function targeted(name: TargetedCommand["name"], given: Given): TargetedCommand {
  const groups = (given.str("groups") ?? "")
    .split(";")
    .map((g) => g.trim())
    .filter((g) => g !== "");
  return {
    name,
    ...common(given),
    user: name === "events" ? undefined : given.need("user"),
    group: name === "grant" || name === "revoke" ? given.need("group") : undefined,
    groups,
    attributes: {
      givenName: given.str("given-name"),
      familyName: given.str("family-name"),
      title: given.str("title"),
      department: given.str("department"),
      costCenter: given.str("cost-center"),
      externalId: given.str("external-id"),
    },
    delete: given.flag("delete"),
    file: name === "events" ? given.need("file") : undefined,
    skipMalformed: given.flag("skip-malformed"),
    mapping: given.str("mapping"),
    yes: given.flag("yes"),
    json: given.flag("json"),
    dryRun: given.flag("dry-run"),
    allowBlocked: given.flag("allow-blocked"),
    maxDeactivations: cap(given.str("max-deactivations")),
    scope: given.str("scope"),
    log: given.str("log"),
  };
}

/** Every command, in the order the overview lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  plan: {
    summary: "show what a sync of the directory to the server would change (writes nothing)",
    synopsis: "--desired FILE --url URL [options]",
    description: "Lists the server, compares it with the directory and prints the plan. --out saves it for review and `apply --plan`.",
    flags: [
      { ...DESIRED, help: `${DESIRED.help} (required)` },
      ...SERVER,
      MAPPING,
      SCOPE,
      MAX_DEACTIVATIONS,
      { name: "out", value: "FILE", help: "also write the plan to FILE, to review with `show` and apply with `apply --plan`" },
      JSON_OUT,
      NO_COLOR,
    ],
    examples: [`scim-provision plan --desired people.csv ${EXAMPLE_URL} --out plan.json`],
    exits: "0 = no changes, 2 = changes pending, 1 = an error",
    build: (given) => ({
      name: "plan",
      ...common(given),
      desired: given.need("desired"),
      json: given.flag("json"),
      out: given.str("out"),
      maxDeactivations: cap(given.str("max-deactivations")),
      mapping: given.str("mapping"),
      scope: given.str("scope"),
    }),
  },
  show: {
    summary: "print every action of a saved plan, grouped by kind (offline)",
    synopsis: "PLAN.json [--json] [--no-pager]",
    description: "Reads a plan written by `plan --out` and prints all of it; on a terminal through $PAGER (else less -R).",
    flags: [JSON_OUT, { name: "no-pager", help: "print straight to the terminal, without $PAGER" }, NO_COLOR],
    positional: { name: "PLAN.json", help: "the plan file (required)" },
    examples: ["scim-provision show plan.json", "scim-provision show plan.json --json > actions.json"],
    exits: "0 = the plan was shown, 1 = the file is not a plan (or was edited)",
    build: (given) => {
      const [plan, ...extra] = given.positionals;
      if (plan === undefined) throw new CliError("show: name the plan file, e.g. scim-provision show plan.json");
      if (extra.length > 0) throw new CliError(`show: one plan file at a time, not ${extra.length + 1}`);
      return { name: "show", plan, json: given.flag("json"), pager: !given.flag("no-pager"), noColor: given.flag("no-color") };
    },
  },
  apply: {
    summary: "apply a reviewed plan (--plan) or plan and apply the directory (--desired), asking first",
    synopsis: "(--plan FILE | --desired FILE) --url URL [options]",
    description:
      "With --plan, the server is listed once more and the plan applied only if nothing changed since it was made. With --desired, the plan is shown and applied once confirmed.",
    flags: [
      { name: "plan", value: "FILE", help: "the plan file written by `plan --out` (it carries its directory)" },
      { ...DESIRED, help: `${DESIRED.help}; with --plan, the directory the plan was made from` },
      ...SERVER,
      MAPPING,
      SCOPE,
      YES,
      MAX_DEACTIVATIONS,
      ALLOW_BLOCKED,
      LOG,
      JSON_OUT,
      NO_COLOR,
    ],
    examples: [`scim-provision apply --plan plan.json ${EXAMPLE_URL} --log run.jsonl`, `scim-provision apply --desired people.csv ${EXAMPLE_URL} --yes`],
    exits: "0 = every action succeeded, 1 = an error, a refusal or a failed action, 130 = stopped by Ctrl-C",
    build: (given) => {
      const plan = given.str("plan");
      const desired = given.str("desired");
      if (plan === undefined && desired === undefined) throw new CliError("apply: give --plan FILE (a reviewed plan) or --desired FILE");
      return {
        name: "apply",
        ...common(given),
        plan,
        desired,
        yes: given.flag("yes"),
        json: given.flag("json"),
        allowBlocked: given.flag("allow-blocked"),
        maxDeactivations: cap(given.str("max-deactivations")),
        mapping: given.str("mapping"),
        scope: given.str("scope"),
        log: given.str("log"),
      };
    },
  },
  map: {
    summary: "preview what an attribute mapping makes of an HR export (offline)",
    synopsis: "--desired FILE --mapping NAME|FILE [options]",
    flags: [
      { ...DESIRED, help: "the export to read (required)" },
      { ...MAPPING, help: "workday, bamboohr, google-workspace or a mapping file (required)" },
      { name: "policy", value: "FILE", help: "a policy file, for its scope" },
      SCOPE,
      { name: "limit", value: "N", help: "show at most N users (default 20)" },
      JSON_OUT,
      NO_COLOR,
    ],
    examples: ["scim-provision map --desired workday.csv --mapping workday"],
    exits: "0 = every row maps, 1 = a row does not (the preview is printed either way)",
    build: (given) => {
      const limit = given.str("limit") ?? "20";
      if (!/^\d{1,6}$/.test(limit)) throw new CliError(`map: --limit must be a whole number, not ${limit}`);
      return {
        name: "map",
        desired: given.need("desired"),
        mapping: given.need("mapping"),
        policyFile: given.str("policy"),
        scope: given.str("scope"),
        limit: Number(limit),
        json: given.flag("json"),
        noColor: given.flag("no-color"),
      };
    },
  },
  report: {
    summary: "seats (per license type), cost, chargeback, stale accounts, access snapshot and review",
    synopsis: "--url URL [options]",
    description:
      "Lists the server and reports on it. --compare with an earlier `report --json` output adds the access review: users added, removed, deactivated or reactivated, groups gained or lost, and the change per license type.",
    flags: [
      ...SERVER,
      { name: "desired", value: "FILE", help: "the directory, to count users the server has and the directory lacks" },
      { name: "format", value: "FORMAT", help: "table (default), json, csv or html" },
      { name: "json", help: "the same as --format json" },
      { name: "csv", help: "the same as --format csv (with --compare: the access review as CSV)" },
      { name: "seats", value: "N|TYPE=N,...", help: "seats bought: one pool, or per license type (Creator=120,ReadOnly=300)" },
      { name: "license-attribute", value: "PATH", help: "the license type is this attribute: userType, or an extension's by its full path" },
      { name: "license-group", value: '"GROUP=TYPE"', multiple: true, help: "members of GROUP hold TYPE (repeatable; a user in several has the first one's type)" },
      { name: "license-default", value: "TYPE", help: "the type of everyone else (default Standard)" },
      { name: "price-per-seat", value: "AMOUNT", help: "the price of a seat (24.00): adds the cost, and chargeback in money" },
      { name: "price", value: "TYPE=AMOUNT,...", help: "the price per license type" },
      { name: "currency", value: "CODE", help: "the currency shown (default USD)" },
      { name: "compare", value: "PREVIOUS.json", help: "an earlier `report --json` output: adds the access review and the change per type" },
      { name: "out", value: "FILE", help: "write the report to FILE instead of the terminal" },
      { name: "bom", help: "start the CSV with a byte-order mark, for spreadsheet programs" },
      NO_COLOR,
    ],
    examples: [
      `scim-provision report ${EXAMPLE_URL} --seats 250 --format html --out seats.html`,
      `scim-provision report ${EXAMPLE_URL} --license-group "License: Creator=Creator" --seats Creator=120,ReadOnly=300 --compare last-month.json`,
    ],
    exits: "0 = complete, 3 = the listing was incomplete (figures may be short; stderr says why), 1 = an error",
    build: (given) => ({ name: "report", ...common(given), ...parseReportArgs(given.values) }),
  },
  doctor: {
    summary: "probe a SCIM server for its quirks and write its profile (read only unless --write)",
    synopsis: "--url URL [options]",
    description:
      "Reads the discovery endpoints and probes paging, filters and errors without touching existing resources; --write also probes writes on a throwaway user and group it removes afterwards. Each finding comes with its evidence (the request and the answer; the token never shown).",
    flags: [
      ...SERVER.filter((f) => f.name !== "policy"),
      { name: "write", help: "also probe writes, on a throwaway user and group removed afterwards" },
      { name: "profile-out", value: "FILE", help: "write the profile the findings make to FILE (for --profile FILE)" },
      JSON_OUT,
      NO_COLOR,
    ],
    examples: [`scim-provision doctor --url https://scim.example.com/scim/v2 --profile-out example-profile.json`],
    exits: "0 = nothing flagged, 2 = quirks found, 1 = the token was refused, an error, or something left behind",
    build: (given) => ({
      name: "doctor",
      url: checkUrl(given.need("url")),
      profile: given.str("profile"),
      tokenEnv: given.str("token-env") ?? "SCIM_TOKEN",
      json: given.flag("json"),
      profileOut: given.str("profile-out"),
      write: given.flag("write"),
      noColor: given.flag("no-color"),
    }),
  },
  provision: {
    summary: "create (or update) one user now, optionally with groups",
    synopsis: "--user EMAIL --url URL [options]",
    description: "Looks up only this user (and the groups named); nothing else is touched.",
    flags: [
      USER,
      { name: "given-name", value: "NAME", help: "given name" },
      { name: "family-name", value: "NAME", help: "family name" },
      { name: "title", value: "TEXT", help: "job title" },
      { name: "department", value: "TEXT", help: "department (enterprise extension)" },
      { name: "cost-center", value: "TEXT", help: "cost center (enterprise extension)" },
      { name: "external-id", value: "ID", help: "the id your HR system knows the user by" },
      { name: "groups", value: '"A;B"', help: "groups to add the user to, separated by ;" },
      ...TARGETED_COMMON,
    ],
    examples: [`scim-provision provision --user ana@example.com --given-name Ana --groups "Sales;EMEA" ${EXAMPLE_URL}`],
    exits: TARGETED_EXITS,
    build: (given) => targeted("provision", given),
  },
  deprovision: {
    summary: "deactivate one user now (--delete: delete)",
    synopsis: "--user EMAIL --url URL [options]",
    flags: [USER, { name: "delete", help: `delete instead of deactivating (the policy must say offboarding: "delete")` }, ...TARGETED_COMMON],
    examples: [`scim-provision deprovision --user ana@example.com ${EXAMPLE_URL}`],
    exits: TARGETED_EXITS,
    build: (given) => targeted("deprovision", given),
  },
  reactivate: {
    summary: "reactivate one deactivated user now",
    synopsis: "--user EMAIL --url URL [options]",
    flags: [USER, ...TARGETED_COMMON],
    examples: [`scim-provision reactivate --user ana@example.com ${EXAMPLE_URL}`],
    exits: TARGETED_EXITS,
    build: (given) => targeted("reactivate", given),
  },
  grant: {
    summary: "add one user to one group now",
    synopsis: "--user EMAIL --group NAME --url URL [options]",
    flags: [USER, GROUP, ...TARGETED_COMMON],
    examples: [`scim-provision grant --user ana@example.com --group Sales ${EXAMPLE_URL}`],
    exits: TARGETED_EXITS,
    build: (given) => targeted("grant", given),
  },
  revoke: {
    summary: "remove one user from one group now",
    synopsis: "--user EMAIL --group NAME --url URL [options]",
    flags: [USER, GROUP, ...TARGETED_COMMON],
    examples: [`scim-provision revoke --user ana@example.com --group Sales ${EXAMPLE_URL}`],
    exits: TARGETED_EXITS,
    build: (given) => targeted("revoke", given),
  },
  events: {
    summary: "apply a JSON Lines file of lifecycle events (hire, terminate, grant...)",
    synopsis: "--file EVENTS.jsonl --url URL [options]",
    flags: [
      { name: "file", value: "EVENTS.jsonl", help: "the events, one JSON object a line (required)" },
      { name: "skip-malformed", help: "apply the valid lines and list the others, instead of refusing the file" },
      { ...MAPPING, help: "read each event's person through an attribute mapping (workday, bamboohr, google-workspace or a mapping file)" },
      ...TARGETED_COMMON,
    ],
    examples: [`scim-provision events --file today.jsonl ${EXAMPLE_URL} --dry-run`],
    exits: `${TARGETED_EXITS}; a skipped line makes it 1`,
    build: (given) => targeted("events", given),
  },
  undo: {
    summary: "undo a logged run: plan its inverse from the provisioning log, then apply it",
    synopsis: "--log FILE --url URL [options]",
    description:
      "Users the run deactivated are reactivated, attributes it changed restored, memberships it changed reverted, groups it renamed renamed back, users it created deactivated (not deleted). A deletion cannot be undone with the same id: the plan says so per subject. A subject someone changed since the run is a note, unless --force.",
    flags: [
      { name: "log", value: "FILE", help: "the provisioning log of the run to undo, written by --log (required)" },
      { name: "force", help: "also restore subjects someone changed since the run" },
      ...SERVER,
      YES,
      DRY_RUN,
      ALLOW_BLOCKED,
      { name: "write-log", value: "FILE", help: "append this undo run's own provisioning log to FILE" },
      JSON_OUT,
      NO_COLOR,
    ],
    examples: [`scim-provision undo --log run.jsonl ${EXAMPLE_URL} --dry-run`],
    exits: TARGETED_EXITS,
    build: (given) => ({
      name: "undo",
      logFile: given.need("log"),
      force: given.flag("force"),
      ...common(given),
      yes: given.flag("yes"),
      json: given.flag("json"),
      dryRun: given.flag("dry-run"),
      allowBlocked: given.flag("allow-blocked"),
      maxDeactivations: undefined,
      scope: undefined,
      log: given.str("write-log"),
    }),
  },
};

const HELP: Flag = { name: "help", short: "h", help: "this text" };

/** Parses `argv` (without node and the script). */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) return { name: "help", missing: true };
  if (name === "--help" || name === "-h") return { name: "help" };
  if (name === "help") {
    if (rest[0] !== undefined) specOf(rest[0]);
    return { name: "help", command: rest[0] };
  }
  if (name === "--version" || name === "-V") return { name: "version" };
  const spec = specOf(name);
  const options: ParseArgsConfig["options"] = {};
  for (const f of [...spec.flags, HELP]) {
    options[f.name] = { type: f.value ? "string" : "boolean", ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: spec.positional !== undefined }) as typeof parsed;
  } catch (error) {
    throw new CliError(`${name}: ${parseArgsReason(error as Error)} (scim-provision ${name} --help lists its options)`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { name: "help", command: name };
  const given: Given = {
    str: (key) => values[key] as string | undefined,
    flag: (key) => values[key] === true,
    need: (key) => {
      const value = values[key];
      if (typeof value !== "string" || value.trim() === "") {
        const flag = spec.flags.find((f) => f.name === key);
        throw new CliError(`${name}: --${key}${flag?.value ? ` ${flag.value}` : ""} is required`);
      }
      return value;
    },
    positionals,
    values,
  };
  return spec.build(given);
}

function specOf(name: string): CommandSpec {
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) throw new CliError(`unknown command ${name}: the commands are ${Object.keys(COMMANDS).join(", ")} (scim-provision --help)`);
  return spec;
}

/** parseArgs' message without its advice about "--" (which does not apply) and its quotes. */
function parseArgsReason(error: Error): string {
  const first = error.message.split(/\.\s/)[0]!.replace(/\.$/, "");
  return first.replace(/'([^']*)'/g, "$1").replace(/^[A-Z]/, (c) => c.toLowerCase());
}

/** The overview: every command with its summary, and where to read more. */
export function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "Usage: scim-provision COMMAND [options]",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    "",
    "Options:",
    "  -h, --help     this text; scim-provision COMMAND --help (or help COMMAND) explains one command",
    "  -V, --version  the version",
    "",
    "The bearer token is read from the environment variable SCIM_TOKEN (--token-env names another).",
    `Example: scim-provision plan --desired people.csv ${EXAMPLE_URL} --out plan.json`,
  ].join("\n");
}

/** One command's help: synopsis, description, every flag, examples and exit codes. */
export function commandHelp(name: string): string {
  const spec = specOf(name);
  const rows: Array<[string, string]> = [];
  if (spec.positional) rows.push([spec.positional.name, spec.positional.help]);
  for (const f of [...spec.flags, HELP]) rows.push([`${f.short ? `-${f.short}, ` : ""}--${f.name}${f.value ? ` ${f.value}` : ""}`, f.help]);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: scim-provision ${name} ${spec.synopsis}`,
    "",
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.${spec.description ? ` ${spec.description}` : ""}`,
    "",
    "Options:",
    ...rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`),
    "",
    `Example${spec.examples.length > 1 ? "s" : ""}:`,
    ...spec.examples.map((e) => `  ${e}`),
    "",
    `Exit codes: ${spec.exits}.`,
  ].join("\n");
}

export function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--url ${text} is not a URL (expected something like https://airtable.com/scim/v2)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`--url must be an http or https URL, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new CliError("--url must not carry credentials: put the bearer token in SCIM_TOKEN");
  }
  return text;
}

/** `N` (a count) or `P%` (a percentage of the in-scope users), as the core parses it. */
function cap(text: string | undefined): Cap | undefined {
  if (text === undefined) return undefined;
  try {
    return parseCap(text);
  } catch (error) {
    if (error instanceof ScimProvisionError) throw new CliError(`--max-deactivations ${error.message}`);
    throw error;
  }
}
