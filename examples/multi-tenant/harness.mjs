// The test bench of the multi-tenant example, shared by test.mjs and bench.mjs: Redis on
// 127.0.0.1 on a free port, one scim2-server per tenant, the tenants file and directories,
// worker processes, the queue, and the read-back of every server. Every process it starts is
// stopped by `stopAll` (also on exit).
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { readAll, startScimServer } from "../../npm/test/server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const children = new Set();
const servers = new Set();

process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Debian's redis-server on 127.0.0.1, no persistence; resolves to `{ port, redis }`. */
export async function startRedis() {
  const port = await freePort();
  const child = track(spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" }));
  const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: null, retryStrategy: (n) => (n > 50 ? null : 100) });
  // Refused until redis-server listens: ioredis retries (retryStrategy) and ping waits.
  const quiet = () => {};
  redis.on("error", quiet);
  await redis.ping();
  redis.off("error", quiet);
  return { port, redis, child };
}

/** A directory of `users` people in `groups` groups (CSV), deterministic for `tenant`. */
export function directoryCsv(tenant, users, groups) {
  const lines = ["userName,givenName,familyName,department,groups"];
  for (let i = 0; i < users; i++) {
    const memberOf = [];
    for (let g = 0; g < groups; g++) if ((i + g) % 3 === 0) memberOf.push(`${tenant} team ${g}`);
    lines.push(`user${String(i).padStart(3, "0")}@${tenant}.example.com,Given${i},Family${i},Dept ${i % 4},${memberOf.join(";")}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Starts one scim2-server per tenant and writes the tenants file and their directories into
 * `dir`. `specs`: [{ id, users, groups, requestsPerSecond, burst }]. Resolves to the tenants
 * (with `server` and `csv`) and the tenants file's path.
 */
export async function startTenants(dir, specs) {
  mkdirSync(dir, { recursive: true });
  // A few at a time: each is a Python process whose start takes a second of CPU, and all at
  // once on a small machine would outlast each one's start deadline.
  const started = [];
  const queue = [...specs];
  // Every lane settles before this returns or throws, so no server is left starting (and
  // then running, untracked) after a failure.
  const lanes = await Promise.allSettled(
    Array.from({ length: 3 }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) {
        try {
          const server = await startScimServer(`token-${spec.id}`);
          servers.add(server);
          started.push({ ...spec, server });
        } catch (error) {
          queue.length = 0;
          throw error;
        }
      }
    }),
  );
  const failure = lanes.find((l) => l.status === "rejected");
  if (failure) throw failure.reason;
  started.sort((a, b) => a.id.localeCompare(b.id));
  const file = {};
  for (const t of started) {
    t.csv = directoryCsv(t.id, t.users, t.groups);
    const desiredFile = join(dir, `${t.id}.csv`);
    writeFileSync(desiredFile, t.csv);
    file[t.id] = { url: t.server.url, token: t.server.token, profile: "generic", requestsPerSecond: t.requestsPerSecond, burst: t.burst, desiredFile };
  }
  const tenantsFile = join(dir, "tenants.json");
  writeFileSync(tenantsFile, JSON.stringify(file, null, 2));
  return { tenants: started, tenantsFile };
}

/** Starts `n` worker processes; resolves once each says it is ready. */
export async function startWorkers(n, env) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const child = track(spawn(process.execPath, [join(here, "worker.mjs")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] }));
    await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("ready")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    });
    workers.push(child);
  }
  return workers;
}

/** The queue and its events. */
export async function openQueue(name, port) {
  const connection = { host: "127.0.0.1", port };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  return { queue, events };
}

/** Options of every job: retried by the queue when the run throws. */
export const JOB_OPTIONS = { attempts: 3, backoff: { type: "fixed", delay: 500 }, removeOnComplete: false, removeOnFail: false };

/** Resolves when every job has finished (completed or failed for good); rejects after `ms`. */
export async function waitForJobs(queue, jobs, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(jobs.map((j) => queue.getJobState(j.id)));
    if (states.every((s) => s === "completed" || s === "failed")) return states;
    if (Date.now() > deadline) throw new Error(`jobs still running after ${ms} ms: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * What the tenant's server holds against its directory: `{ users, duplicates, missing,
 * inactive, groups: ok|diff }`, read directly from the server.
 */
export async function verifyTenant(tenant) {
  const users = await readAll(tenant.server, "Users");
  const groups = await readAll(tenant.server, "Groups");
  const seen = new Map();
  for (const u of users) seen.set(u.userName.toLowerCase(), (seen.get(u.userName.toLowerCase()) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([name]) => name);
  const rows = tenant.csv.trim().split("\n").slice(1).map((line) => line.split(","));
  const wantUsers = rows.map((r) => r[0]);
  const missing = wantUsers.filter((name) => !seen.has(name));
  const inactive = users.filter((u) => u.active === false).map((u) => u.userName);
  const byId = new Map(users.map((u) => [u.id, u.userName]));
  const want = {};
  for (const r of rows) for (const g of r[4] ? r[4].split(";") : []) (want[g] ??= []).push(r[0]);
  const have = {};
  for (const g of groups) have[g.displayName] = (g.members ?? []).map((m) => byId.get(m.value)).sort();
  for (const g of Object.keys(want)) want[g].sort();
  const sortKeys = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));
  const groupsOk = sortKeys(want) === sortKeys(have);
  return { users: users.length, want: wantUsers.length, duplicates, missing, inactive, groupsOk, groups: groupsOk ? null : { want, have } };
}

/** Stops every process started here. */
export async function stopAll() {
  await Promise.all([...servers].map((s) => s.stop()));
  servers.clear();
  for (const child of children) {
    child.kill("SIGTERM");
  }
  const deadline = Date.now() + 5000;
  while (children.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const child of children) child.kill("SIGKILL");
}

/** Stops the servers of `tenants` (the bench starts a fresh set per round). */
export async function stopTenants(tenants) {
  await Promise.all(tenants.map((t) => t.server.stop().then(() => servers.delete(t.server))));
}
