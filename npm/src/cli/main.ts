// The `scim-provision` command: parses argv, runs one command, maps every failure to one line
// on stderr (no stack trace, never the token) and an exit code. Ctrl-C stops a run cleanly
// (the report says what was done); a second Ctrl-C quits at once.

import { readFileSync } from "node:fs";

import { redactToken, ScimProvisionError } from "../node.js";
import { type Command, commandHelp, parseCommand, usage } from "./args.js";
import { applyCommand, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, planCommand, reportCommand, type Terminal } from "./commands.js";
import { doctorCommand } from "./doctor.js";
import { CliError } from "./inputs.js";
import { mapCommand } from "./map.js";
import { showCommand } from "./show.js";
import { targetedCommand } from "./targeted.js";
import { undoCommand } from "./undo.js";

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nStopping: no new requests; waiting for the ones under way (Ctrl-C again to quit at once).\n");
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  const term: Terminal = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal };
  let tokenEnv = "SCIM_TOKEN";
  let parsed: Command | undefined;
  try {
    const command = parseCommand(argv);
    if ("tokenEnv" in command) tokenEnv = command.tokenEnv;
    parsed = command;
    switch (command.name) {
      case "help":
        // No command at all is a mistake: the usage goes to stderr, and the exit code says so.
        if (command.missing) {
          process.stderr.write(usage() + "\n");
          return EXIT_ERROR;
        }
        process.stdout.write((command.command ? commandHelp(command.command) : usage()) + "\n");
        return EXIT_OK;
      case "version":
        process.stdout.write(version() + "\n");
        return EXIT_OK;
      case "plan":
        return await planCommand(command, term);
      case "apply":
        return await applyCommand(command, term);
      case "report":
        return await reportCommand(command, term);
      case "map":
        return mapCommand(command, term);
      case "show":
        return await showCommand(command, term);
      case "undo":
        return await undoCommand(command, term);
      case "doctor":
        return await doctorCommand(command, term);
      default:
        return await targetedCommand(command, term);
    }
  } catch (error) {
    const redact = redactor(tokenEnv);
    // Stopped before a plan was made: nothing was written, and that is all there is to say.
    if (controller.signal.aborted) {
      process.stderr.write("Stopped before anything was written.\n");
      return EXIT_INTERRUPTED;
    }
    process.stderr.write(`scim-provision: ${redact(describe(error, parsed))}\n`);
    if (process.env.SCIM_PROVISION_DEBUG && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + "\n");
    return EXIT_ERROR;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

function describe(error: unknown, command: Command | undefined): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ScimProvisionError) {
    const named = argumentFault(error, command);
    if (named !== undefined) return named;
    const extra = [
      error.status !== null && !error.message.includes(String(error.status)) ? `HTTP ${error.status}` : "",
      error.scimType ?? "",
      error.detail && !error.message.includes(error.detail) ? error.detail : "",
      error.path && !error.message.includes(error.path) ? `at ${error.path}` : "",
    ].filter(Boolean);
    return `${error.message}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}${hint(error)}`;
  }
  return `internal error: ${(error as Error)?.message ?? String(error)} (set SCIM_PROVISION_DEBUG=1 for details)`;
}

/** An argument the core refused, worded without the core's name for it: the scope filter
 * is --scope's when given; another value of the policy is the policy file's, at its path
 * there. */
function argumentFault(error: ScimProvisionError, command: Command | undefined): string | undefined {
  const { argument, value, expected } = error.data;
  // A name that is none of those known: the --mapping given is not a built-in mapping's name.
  if (error.code === "unknownValue" && argument === "mapping" && Array.isArray(expected)) {
    return `--mapping ${String(value)} is neither a file nor a built-in mapping (${expected.join(", ")})`;
  }
  const raw = error.data.reason;
  if (error.kind !== "invalid-argument" || typeof raw !== "string") return undefined;
  // serde names the Rust type it wanted ("expected struct Cap"): an object, to a reader.
  const reason = raw.replace(/expected struct \w+/, "expected an object");
  const path = error.path ?? ".";
  const scope = command && "scope" in command ? command.scope : undefined;
  if (path === "policy.scope.filter" && scope !== undefined) return `--scope ${scope}: ${reason}`;
  const mapping = command && "mapping" in command ? command.mapping : undefined;
  if (error.data.argument === "mapping" && mapping !== undefined) return `${mapping}: ${path === "." ? "" : `at ${path}: `}${reason}`;
  const policyFile = command && "policyFile" in command ? command.policyFile : undefined;
  if (policyFile !== undefined && (path === "policy" || path.startsWith("policy."))) {
    const inner = path.slice("policy.".length);
    return `${policyFile}: ${inner ? `at ${inner}: ` : ""}${reason}`;
  }
  return path === "." ? reason : `${path}: ${reason}`;
}

/** Advice the core's message does not give already. */
function hint(error: ScimProvisionError): string {
  if (/\bcheck\b/.test(error.message)) return "";
  if (error.status === 401 || error.status === 403) return ": check the bearer token";
  if (error.status === 404) return ": is --url the SCIM base URL?";
  return "";
}

/** Removes the bearer token from a message that might echo it (a server repeating a
 * header, say): the facade already redacts what it hands out, this is the last line of
 * defence. Whatever happens, the token is not printed. */
function redactor(tokenEnv: string): (text: string) => string {
  const token = process.env[tokenEnv];
  return (text) => redactToken(text, token);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return `scim-provision ${pkg.version}`;
}
