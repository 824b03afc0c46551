// Starts scim2-server (PyPI: a real in-memory SCIM server) on 127.0.0.1 on a free port with a
// bearer token, for the npm tests and the demo. The binary is $SCIM2_SERVER or the one the
// set-up scripts install into target/py.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));


function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * scim2-server's default ServiceProviderConfig with SCIM Bulk turned off: the client then
 * sends single requests, which is what most tests inject faults into and count.
 */
const WITHOUT_BULK = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 1000 },
  changePassword: { supported: true },
  sort: { supported: true },
  etag: { supported: true },
};

/**
 * Starts a server; resolves to { url, token, stop() } once it answers. It advertises SCIM
 * Bulk (1,000 operations a request, as scim2-server does by default) only with `bulk: true`.
 */
export async function startScimServer(token = "test-token", { bulk = false } = {}) {
  const port = await freePort();
  const bin = process.env.SCIM2_SERVER ?? `${repo}target/py/bin/scim2-server`;
  const args = ["--hostname", "127.0.0.1", "--port", String(port), "--bearer-token", token];
  let configDir;
  if (!bulk) {
    configDir = mkdtempSync(join(tmpdir(), "scim2-server-"));
    const file = join(configDir, "service-provider-config.json");
    writeFileSync(file, JSON.stringify(WITHOUT_BULK));
    args.push("--service-provider-config", file);
  }
  const child = spawn(bin, args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.once("exit", () => configDir && rmSync(configDir, { recursive: true, force: true }));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scim2-server exited: ${stderr}`);
    try {
      const res = await fetch(`${url}/ServiceProviderConfig`, { headers: { Authorization: `Bearer ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`scim2-server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    token,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.kill();
    }),
  };
}

/** Every resource of an endpoint, read back directly (not through the package). */
export async function readAll(server, endpoint) {
  const res = await fetch(`${server.url}/${endpoint}?count=100000`, { headers: { Authorization: `Bearer ${server.token}` } });
  const page = await res.json();
  return page.Resources ?? [];
}
