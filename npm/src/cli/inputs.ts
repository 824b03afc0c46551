// What the CLI reads and writes: the desired directory (CSV or JSON, by extension or
// content), the reviewed plan file, the bearer token from the environment, output files.
// Every failure is a `CliError` with one clear line.

import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { parseDesired, ScimProvisionError } from "../node.js";
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

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new CliError(`cannot read the ${what} ${path}: ${why}`);
  }
}

function readText(path: string, what: string): string {
  return readBytes(path, what).toString("utf8");
}

/** Reads a directory file as its bytes, for the run to decode (in the format the core reads
 * from its name and text): the file crosses into WebAssembly once. Run the command that
 * takes it with `directoryErrors`, which names the file in the error. */
export function readDesired(path: string): DesiredFile {
  return { bytes: readBytes(path, "desired-state file"), fileName: path };
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
  return existsSync(argument) ? readText(argument, "mapping file") : argument;
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
    if (file && error instanceof ScimProvisionError && error.kind === "desired-state") return new CliError(`${file.fileName}: ${describeDesiredError(error)}`);
    return error;
  };
  try {
    const result = run();
    return result instanceof Promise ? (result.catch((error: unknown) => Promise.reject(named(error))) as T) : result;
  } catch (error) {
    throw named(error);
  }
}

function describeDesiredError(error: unknown): string {
  if (!(error instanceof ScimProvisionError)) return String((error as Error)?.message ?? error);
  if (error.rows && error.rows.length > 0) {
    const shown = error.rows.slice(0, 5).map((r) => `row ${r.row}${r.column ? `, column ${JSON.stringify(r.column)}` : ""}: ${r.reason}`);
    const more = error.rows.length > 5 ? `; and ${error.rows.length - 5} more bad rows` : "";
    return `${shown.join("; ")}${more}`;
  }
  return error.message;
}

/** Reads a plan file written by `plan --out` (or any Plan JSON). */
export function readPlanFile(path: string): PlanFile {
  const text = readText(path, "plan file");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const plan = value as Partial<PlanFile> | null;
  if (!plan || typeof plan !== "object" || !Array.isArray(plan.actions) || typeof plan.summary !== "object" || !Array.isArray(plan.blocked)) {
    throw new CliError(`${path} is not a plan (write one with: scim-provision plan --out FILE)`);
  }
  return plan as PlanFile;
}

/** The plan alone, as the core takes it. */
export function planOf(file: PlanFile): Plan {
  const { input: _input, ...plan } = file;
  return plan;
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
  const text = readText(path, "policy file");
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
