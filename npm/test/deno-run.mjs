// Runs the Deno smoke test against a fresh scim2-server.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startScimServer } from "./server.mjs";

const npmDir = fileURLToPath(new URL("../", import.meta.url));
const server = await startScimServer("deno-token");
try {
  const deno = `${npmDir}node_modules/.bin/deno`;
  const run = spawnSync(deno, ["run", "--allow-read", "--allow-net", "--allow-env", "test/deno-smoke.ts"], {
    cwd: npmDir,
    env: { ...process.env, SCIM_URL: server.url, SCIM_TOKEN: server.token, DENO_NO_UPDATE_CHECK: "1" },
    stdio: "inherit",
    timeout: 120_000,
  });
  process.exitCode = run.status ?? 1;
} finally {
  await server.stop();
}
