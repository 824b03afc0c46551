// Command-line parsing (node's `util.parseArgs`) and the usage text. Turns argv into a typed
// command or a `CliError` naming the bad argument.

import { parseArgs, type ParseArgsConfig } from "node:util";

import { parseCap, ScimProvisionError } from "../node.js";
import type { Cap } from "../types.js";
import { CliError } from "./inputs.js";
import { parseDoctor, type DoctorCommand } from "./doctor.js";
import { parseMap, type MapCommand } from "./map.js";

export const USAGE = `Usage:
  scim-provision plan   --desired FILE --url URL [--profile NAME] [--policy FILE]
                        [--mapping NAME|FILE] [--scope FILTER]
                        [--max-deactivations N|P%] [--json] [--out FILE]
  scim-provision apply  (--plan FILE | --desired FILE) --url URL [--profile NAME] [--policy FILE]
                        [--mapping NAME|FILE] [--scope FILTER]
                        [--yes] [--max-deactivations N|P%] [--allow-blocked] [--json]
  scim-provision map    --desired FILE --mapping NAME|FILE [--policy FILE] [--scope FILTER]
                        [--limit N] [--json]
  scim-provision report --url URL [--desired FILE] [--format table|json|csv|html]
                        [--seats N] [--out FILE] [--bom]
  scim-provision doctor --url URL [--profile NAME|FILE] [--json] [--profile-out FILE] [--write]

On-demand lifecycle operations (only the subjects named are looked up; nothing else is
touched). Each takes --url, --profile, --policy, --scope, --token-env, --yes, --json, --dry-run:
  scim-provision provision   --user EMAIL [--given-name G] [--family-name F] [--title T]
                             [--department D] [--cost-center C] [--external-id X]
                             [--groups "A;B"]
  scim-provision deprovision --user EMAIL [--delete]     (deactivates; --delete needs the
                                                          policy's offboarding: "delete")
  scim-provision reactivate  --user EMAIL
  scim-provision grant       --user EMAIL --group NAME
  scim-provision revoke      --user EMAIL --group NAME
  scim-provision events      --file EVENTS.jsonl [--skip-malformed]

Common options:
  --url URL           the SCIM base URL (for Airtable: https://airtable.com/scim/v2)
  --profile NAME      the server profile: airtable, generic (default), slack, ...
  --token-env NAME    the environment variable holding the bearer token (default SCIM_TOKEN)
  --mapping NAME|FILE read --desired as an HR or identity export through an attribute mapping:
                      a built-in one (workday, bamboohr, google-workspace) or a mapping file
                      (docs/MAPPING.md); \`map\` previews it offline
  --scope FILTER      manage only users matching this SCIM filter, e.g.
                      'title sw "Sales" and not (userType eq "Contractor")'
  --no-color          plain output (NO_COLOR is honoured too)
  -h, --help          this text

Exit codes: plan and --dry-run 0 = no changes, 2 = changes pending (--dry-run: 1 when a
guard blocks the plan); apply and the lifecycle commands 0 = every action succeeded or was
already in effect (deprovisioning or revoking a user the server lacks is in effect: a note;
updating, reactivating or granting one is refused: 1);
report 0 = complete, 3 = the listing was incomplete (the report is written, its figures
may be short; a warning on stderr says why); 1 = an error, a refusal or a failed action.`;

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
    } & Common &
      Directory)
  | MapCommand
  | DoctorCommand
  | ({ name: "report"; desired: string | undefined; format: ReportFormat; seats: number | undefined; out: string | undefined; bom: boolean } & Common)
  | TargetedCommand
  | { name: "help" }
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
  yes: boolean;
  json: boolean;
  dryRun: boolean;
  allowBlocked: boolean;
  maxDeactivations: Cap | undefined;
  /** Refuse subjects outside this SCIM filter (added to the policy's `scope.filter`). */
  scope: string | undefined;
} & Common;

const TARGETED = ["provision", "deprovision", "reactivate", "grant", "revoke", "events"] as const;

export type ReportFormat = "table" | "json" | "csv" | "html";

const COMMON = {
  url: { type: "string" },
  profile: { type: "string" },
  "token-env": { type: "string" },
  policy: { type: "string" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const OPTIONS = {
  plan: {
    ...COMMON,
    desired: { type: "string" },
    json: { type: "boolean" },
    out: { type: "string" },
    "max-deactivations": { type: "string" },
    mapping: { type: "string" },
    scope: { type: "string" },
  },
  apply: {
    ...COMMON,
    plan: { type: "string" },
    desired: { type: "string" },
    yes: { type: "boolean", short: "y" },
    json: { type: "boolean" },
    "allow-blocked": { type: "boolean" },
    "max-deactivations": { type: "string" },
    mapping: { type: "string" },
    scope: { type: "string" },
  },
  report: { ...COMMON, desired: { type: "string" }, format: { type: "string" }, seats: { type: "string" }, out: { type: "string" }, bom: { type: "boolean" } },
} as const;

const TARGETED_COMMON = {
  ...COMMON,
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  "allow-blocked": { type: "boolean" },
  "max-deactivations": { type: "string" },
  scope: { type: "string" },
} as const;

const TARGETED_OPTIONS = {
  provision: {
    ...TARGETED_COMMON,
    user: { type: "string" },
    "given-name": { type: "string" },
    "family-name": { type: "string" },
    title: { type: "string" },
    department: { type: "string" },
    "cost-center": { type: "string" },
    "external-id": { type: "string" },
    groups: { type: "string" },
  },
  deprovision: { ...TARGETED_COMMON, user: { type: "string" }, delete: { type: "boolean" } },
  reactivate: { ...TARGETED_COMMON, user: { type: "string" } },
  grant: { ...TARGETED_COMMON, user: { type: "string" }, group: { type: "string" } },
  revoke: { ...TARGETED_COMMON, user: { type: "string" }, group: { type: "string" } },
  events: { ...TARGETED_COMMON, file: { type: "string" }, "skip-malformed": { type: "boolean" } },
} as const;

type TargetedName = (typeof TARGETED)[number];

function isTargeted(name: string): name is TargetedName {
  return (TARGETED as readonly string[]).includes(name);
}

/** Parses `argv` (without node and the script). */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") return { name: "help" };
  if (name === "--version" || name === "-V") return { name: "version" };
  if (name === "map") return parseMap(rest);
  if (name === "doctor") return parseDoctor(rest);
  if (name !== "plan" && name !== "apply" && name !== "report" && !isTargeted(name)) {
    throw new CliError(`unknown command ${JSON.stringify(name)}: expected plan, apply, report, map, doctor, ${TARGETED.join(", ")} (see --help)`);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: ParseArgsConfig["options"] = isTargeted(name) ? TARGETED_OPTIONS[name] : OPTIONS[name];
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (error) {
    // parseArgs' messages name the option; drop its advice about "--" which does not apply.
    throw new CliError(`${name}: ${(error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, "")}`);
  }
  if (values.help) return { name: "help" };

  const str = (key: string) => values[key] as string | undefined;
  const flag = (key: string) => values[key] === true;
  const url = str("url");
  if (url === undefined) throw new CliError(`${name}: --url is required`);
  const common: Common = {
    url: checkUrl(url),
    profile: str("profile"),
    tokenEnv: str("token-env") ?? "SCIM_TOKEN",
    policyFile: str("policy"),
    noColor: flag("no-color"),
  };

  if (isTargeted(name)) return targeted(name, common, str, flag);
  switch (name) {
    case "plan": {
      const desired = str("desired");
      if (desired === undefined) throw new CliError("plan: --desired FILE is required");
      return {
        name,
        ...common,
        desired,
        json: flag("json"),
        out: str("out"),
        maxDeactivations: cap(str("max-deactivations")),
        mapping: str("mapping"),
        scope: str("scope"),
      };
    }
    case "apply": {
      const plan = str("plan");
      const desired = str("desired");
      if (plan === undefined && desired === undefined) throw new CliError("apply: give --plan FILE (a reviewed plan) or --desired FILE");
      return {
        name,
        ...common,
        plan,
        desired,
        yes: flag("yes"),
        json: flag("json"),
        allowBlocked: flag("allow-blocked"),
        maxDeactivations: cap(str("max-deactivations")),
        mapping: str("mapping"),
        scope: str("scope"),
      };
    }
    case "report": {
      const format = str("format") ?? "table";
      if (format !== "table" && format !== "json" && format !== "csv" && format !== "html") {
        throw new CliError(`report: --format must be table, json, csv or html, not ${JSON.stringify(format)}`);
      }
      const seats = str("seats");
      if (seats !== undefined && !/^\d{1,9}$/.test(seats)) throw new CliError(`report: --seats must be a whole number, not ${JSON.stringify(seats)}`);
      return { name, ...common, desired: str("desired"), format, seats: seats === undefined ? undefined : Number(seats), out: str("out"), bom: flag("bom") };
    }
  }
}

function targeted(
  name: TargetedName,
  common: Common,
  str: (key: string) => string | undefined,
  flag: (key: string) => boolean,
): TargetedCommand {
  const need = (key: string, what: string) => {
    const value = str(key);
    if (value === undefined || value.trim() === "") throw new CliError(`${name}: --${key} ${what} is required`);
    return value;
  };
  const user = name === "events" ? undefined : need("user", "EMAIL");
  const group = name === "grant" || name === "revoke" ? need("group", "NAME") : undefined;
  const file = name === "events" ? need("file", "EVENTS.jsonl") : undefined;
  const groups = (str("groups") ?? "")
    .split(";")
    .map((g) => g.trim())
    .filter((g) => g !== "");
  return {
    name,
    ...common,
    user,
    group,
    groups,
    attributes: {
      givenName: str("given-name"),
      familyName: str("family-name"),
      title: str("title"),
      department: str("department"),
      costCenter: str("cost-center"),
      externalId: str("external-id"),
    },
    delete: flag("delete"),
    file,
    skipMalformed: flag("skip-malformed"),
    yes: flag("yes"),
    json: flag("json"),
    dryRun: flag("dry-run"),
    allowBlocked: flag("allow-blocked"),
    maxDeactivations: cap(str("max-deactivations")),
    scope: str("scope"),
  };
}

export function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--url ${JSON.stringify(text)} is not a URL (expected something like https://airtable.com/scim/v2)`);
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
