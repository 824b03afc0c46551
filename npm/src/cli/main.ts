// The `scim-provision` command: parses argv, runs one command, maps every failure to one line
// on stderr (no stack trace, never the token) and an exit code. Ctrl-C stops a run cleanly
// (the report says what was done); a second Ctrl-C quits at once.

import { readFileSync } from "node:fs";

import { redactToken, ScimProvisionError } from "../node.js";
import { parseCommand, USAGE } from "./args.js";
import { applyCommand, EXIT_ERROR, EXIT_OK, planCommand, reportCommand, type Terminal } from "./commands.js";
import { doctorCommand } from "./doctor.js";
import { CliError } from "./inputs.js";
import { mapCommand } from "./map.js";
import { targetedCommand } from "./targeted.js";

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nstopping: waiting for requests in flight (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  const term: Terminal = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal };
  let tokenEnv = "SCIM_TOKEN";
  try {
    const command = parseCommand(argv);
    if ("tokenEnv" in command) tokenEnv = command.tokenEnv;
    switch (command.name) {
      case "help":
        process.stdout.write(USAGE + "\n");
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
      case "doctor":
        return await doctorCommand(command, term);
      default:
        return await targetedCommand(command, term);
    }
  } catch (error) {
    const redact = redactor(tokenEnv);
    process.stderr.write(`scim-provision: ${redact(describe(error))}\n`);
    if (process.env.SCIM_PROVISION_DEBUG && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + "\n");
    return EXIT_ERROR;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

function describe(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ScimProvisionError) {
    const extra = [
      error.status !== null && !error.message.includes(String(error.status)) ? `HTTP ${error.status}` : "",
      error.scimType ?? "",
      error.detail && !error.message.includes(error.detail) ? error.detail : "",
      error.path ? `at ${error.path}` : "",
    ].filter(Boolean);
    return `${error.message}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}${hint(error)}`;
  }
  return `internal error: ${(error as Error)?.message ?? String(error)} (set SCIM_PROVISION_DEBUG=1 for details)`;
}

function hint(error: ScimProvisionError): string {
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
