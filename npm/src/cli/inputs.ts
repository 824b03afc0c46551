// What the CLI reads and writes: the desired directory (CSV or JSON, by extension or
// content), the reviewed plan file, the bearer token from the environment, output files.
// Every failure is a `CliError` with one clear line.

import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

import { parseDesired, readPlan, ScimProvisionError } from "../node.js";
import type { DesiredFile, DesiredState, Plan, Policy, Profile } from "../types.js";

/** A failure the CLI reports as one line on stderr, with exit code 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** The plan file `plan --out` writes: the Plan JSON, plus the directory and policy it was
 * made from under `input`, so `apply --plan` can verify it against the server unaided. */
export interface PlanFile extends Plan {
  input?: { desired: DesiredState; policy?: Policy };
}

export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new CliError(`cannot read ${path} (${what}): ${why}`);
  }
}

function readText(path: string, what: string): string {
  return readBytes(path, what).toString("utf8");
}

/** Reads an earlier report (`report --json`) as its text, for the core to read back. */
export function readReportText(path: string): string {
  return readText(path, "earlier report");
}

/** Reads a directory file as its bytes, for the run to decode (in the format the core reads
 * from its name and text): the file crosses into WebAssembly once. Run the command that
 * takes it with `directoryErrors`, which names the file in the error. */
export function readDesired(path: string): DesiredFile {
  return { bytes: readBytes(path, "the --desired directory file"), fileName: path };
}

/** A directory file decoded now, as a value (for a plan file's `input`, or to refuse a bad
 * file before a question is asked). */
export function desiredState(file: DesiredFile): DesiredState {
  const mapping = typeof file.mapping === "object" ? JSON.stringify(file.mapping) : file.mapping;
  return directoryErrors(file, () => parseDesired(file.bytes, { fileName: file.fileName ?? "", ...(mapping ? { mapping } : {}) }));
}

/** `--mapping NAME|FILE`: a mapping file's text when the argument names a file, else the
 * argument itself, which the core reads as a built-in mapping's name (and refuses, naming
 * the built-in ones, when it is none). */
export function readMapping(argument: string): string {
  return existsSync(argument) ? readText(argument, "the --mapping file") : argument;
}

/** `--profile NAME|FILE`: a profile file's JSON (as `doctor --profile-out` writes it) when
 * the argument names a file, else the argument itself, a built-in profile's name. The core
 * reads the file's profile with the run's configuration, and refuses a bad one at its field. */
export function readProfile(argument: string): string | Profile {
  if (!existsSync(argument)) return argument;
  const text = readText(argument, "profile file");
  try {
    return JSON.parse(text) as Profile;
  } catch (error) {
    throw new CliError(`${argument} is not JSON: ${(error as Error).message}`);
  }
}

/** Runs `run`; a directory the core refuses becomes the CLI's one line naming the file. */
export function directoryErrors<T>(file: DesiredFile | undefined, run: () => T): T {
  const named = (error: unknown) => {
    if (file && error instanceof ScimProvisionError && error.kind === "desired-state") return new CliError(inFile(file.fileName ?? "", error));
    return error;
  };
  try {
    const result = run();
    return result instanceof Promise ? (result.catch((error: unknown) => Promise.reject(named(error))) as T) : result;
  } catch (error) {
    throw named(error);
  }
}

/** The core's error about a file's content, worded for the person who keeps the file: the
 * file named, then the CSV rows (one numbering: "row 2", the header being row 1) or the
 * JSON path and what is wrong there, without the core's own names for its arguments. */
export function inFile(path: string, error: ScimProvisionError): string {
  if (error.rows && error.rows.length > 0) {
    const shown = error.rows.slice(0, 5).map((r) => `row ${r.row}${r.column ? `, column "${r.column}"` : ""}: ${r.reason}`);
    const more = error.rows.length > 5 ? `; and ${error.rows.length - 5} more bad rows` : "";
    return `${path}: ${shown.join("; ")}${more}`;
  }
  const reason = typeof error.data.reason === "string" ? error.data.reason : error.message;
  return error.path && error.path !== "." ? `${path}: at ${error.path}: ${reason}` : `${path}: ${reason}`;
}

/** Reads a plan file written by `plan --out` (or any Plan JSON) through the core: checked
 * against its digest (an edited plan is refused here, before any request), every figure
 * recomputed. `input`, the directory and policy it was made from, is the CLI's own part. */
export function readPlanFile(path: string): { plan: Plan; input: PlanFile["input"] } {
  const bytes = readBytes(path, "the plan file");
  let plan: Plan;
  try {
    plan = readPlan(bytes);
  } catch (error) {
    if (error instanceof ScimProvisionError) throw new CliError(planFault(path, error));
    throw error;
  }
  // The core read the file as a plan, so it is JSON.
  const { input } = JSON.parse(bytes.toString("utf8")) as PlanFile;
  return { plan, input };
}

function planFault(path: string, error: ScimProvisionError): string {
  if (error.kind === "plan") return `${path}: ${error.message}`;
  // Not JSON, or not a plan: where, and the way to make one.
  return `${inFile(path, error)} (is it a plan? write one with: scim-provision plan --out FILE)`;
}

export function writePlanFile(path: string, plan: Plan, desired: DesiredState, policy: Policy | undefined): void {
  const file: PlanFile = { ...plan, input: { desired, ...(policy ? { policy } : {}) } };
  writeOut(path, JSON.stringify(file, null, 2) + "\n");
}

export function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Reads a JSON policy file. */
export function readPolicy(path: string): Policy {
  const text = readText(path, "the --policy file");
  try {
    return JSON.parse(text) as Policy;
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

/** The bearer token from the variable `name`; never from argv, never echoed. */
export function readToken(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const token = env[name];
  if (token === undefined || token === "") {
    throw new CliError(`no bearer token: set the environment variable ${name} (or name another one with --token-env)`);
  }
  return token;
}

/** `--log FILE`: the run's `onLog`, appending each provisioning log line (JSON Lines) to
 * `file` as the core writes it, so a run stopped half-way leaves what it did; none
 * without. */
export function logTo(file: string | undefined): { onLog?: (line: string) => void } {
  if (file === undefined) return {};
  return {
    onLog: (line) => {
      try {
        appendFileSync(file, line + "\n");
      } catch (error) {
        throw new CliError(`cannot write the log ${file}: ${(error as Error).message}`);
      }
    },
  };
}
