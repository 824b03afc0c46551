// The `scim-provision` CLI run as a child process, the way a person runs it off a terminal
// (stdin closed, no colour), for the end-to-end tests that count what it sends.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../bin/scim-provision.js", import.meta.url));

/** Runs the CLI with `args` and the token in SCIM_TOKEN; resolves { code, stdout, stderr }. */
export function runCli(args, token) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, SCIM_TOKEN: token, NO_COLOR: "1" }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
    });
    child.stdin.end();
  });
}

/** A run's exit code and output, for an assertion's message. */
export const shown = (run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
