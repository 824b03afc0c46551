// A worker process: takes tenant jobs from the BullMQ queue and runs each with the npm
// package. Only queue plumbing: which tenant (the job's data), its server and token (the
// tenants file, standing in for a secret store: job data lives in Redis in plain text and holds
// no token), its shared rate limit (rate-limit.mjs); the run itself, what to write and how to
// retry a request, is the core's. A job whose run throws (a failed run: the core's verdict) is
// failed and retried by the queue; a worker killed mid-run leaves its job stalled, and the
// queue hands it to another worker, whose run lists the server again and converges (the core's
// exactly-once rules: a create whose answer was lost is found by the listing, not re-sent).
//
// Environment: REDIS_HOST (127.0.0.1), REDIS_PORT, QUEUE (tenant-sync), TENANTS_FILE (JSON:
// { "<tenant>": { url, token, profile, requestsPerSecond, burst, desiredFile, policy } }),
// WORKER_CONCURRENCY (4), RECORD_SENDS=1 (each request's time into Redis, for the test).
import { readFileSync } from "node:fs";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
// In a deployment: `npm install ./scim-provision-<version>.tgz` and import "scim-provision".
import { Provisioner } from "../../npm/dist/node.js";
import { tenantFetch } from "./rate-limit.mjs";

const connection = { host: process.env.REDIS_HOST ?? "127.0.0.1", port: Number(process.env.REDIS_PORT ?? 6379) };
const tenants = JSON.parse(readFileSync(process.env.TENANTS_FILE, "utf8"));
const redis = new Redis({ ...connection, maxRetriesPerRequest: null });
const record = process.env.RECORD_SENDS === "1";

async function run(job) {
  const tenant = tenants[job.data.tenant];
  if (!tenant) throw new Error(`unknown tenant ${job.data.tenant}`);
  const provisioner = new Provisioner({
    baseUrl: tenant.url,
    profile: tenant.profile ?? "generic",
    token: tenant.token,
    policy: tenant.policy,
    // No per-run rate here: the engine paces a run by its profile (and any 429), and the
    // tenant's budget, shared by all its runs, is the bucket the fetch below draws from.
  });
  const fetch = tenantFetch(redis, { id: job.data.tenant, ...tenant }, { record });
  let actions = 0;
  const onProgress = (event) => {
    if (event.type !== "actionDone") return;
    actions++;
    job.updateProgress({ pid: process.pid, actions }).catch(() => {});
  };
  if (job.name === "report") {
    const { report } = await provisioner.report({ fetch, onProgress });
    return { pid: process.pid, seats: report.seats };
  }
  const desired = { bytes: readFileSync(tenant.desiredFile), fileName: tenant.desiredFile };
  const report = await provisioner.sync(desired, { fetch, onProgress });
  return { pid: process.pid, status: report.status, reason: report.reason ?? null, summary: report.plan?.summary ?? null };
}

const worker = new Worker(process.env.QUEUE ?? "tenant-sync", run, {
  connection,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
  // A killed worker's job is noticed within lockDuration + stalledInterval and handed to
  // another worker (once: maxStalledCount).
  lockDuration: Number(process.env.LOCK_DURATION_MS ?? 6000),
  stalledInterval: Number(process.env.STALLED_INTERVAL_MS ?? 2000),
  maxStalledCount: 1,
});
worker.on("error", (error) => console.error(`worker ${process.pid}: ${error.message}`));

async function stop() {
  await worker.close();
  await redis.quit();
  process.exit(0);
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
await worker.waitUntilReady();
console.log(`worker ${process.pid} ready`);
