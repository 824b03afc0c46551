// Starts scim2-server (PyPI: a real in-memory SCIM server) on 127.0.0.1 on a free port with a
// bearer token, for the npm tests and the demo. The binary is $SCIM2_SERVER or the one the
// set-up scripts install into target/py.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
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

/** Starts a server; resolves to { url, token, stop() } once it answers. */
export async function startScimServer(token = "test-token") {
  const port = await freePort();
  const bin = process.env.SCIM2_SERVER ?? `${repo}target/py/bin/scim2-server`;
  const child = spawn(bin, ["--hostname", "127.0.0.1", "--port", String(port), "--bearer-token", token], {
    stdio: ["ignore", "ignore", "pipe"],
  });
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
