// Tenants per minute with 1, 2 and 3 worker processes: for each, a fresh set of tenants (one
// scim2-server each, empty), one sync job per tenant, timed from the first job queued to the
// last one finished. Ratios are against the 1-worker round of the same run.
//
//   node examples/multi-tenant/bench.mjs [--tenants 12] [--users 40] [--concurrency 2]
// Needs what test.sh installs. On a machine with few cores the SCIM servers (Python) share
// the CPU with the workers, so the figures say how the plumbing scales there, not how a
// real SaaS API would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { JOB_OPTIONS, openQueue, startRedis, startTenants, startWorkers, stopAll, stopTenants, verifyTenant, waitForJobs } from "./harness.mjs";

const { values } = parseArgs({ options: { tenants: { type: "string", default: "12" }, users: { type: "string", default: "40" }, concurrency: { type: "string", default: "2" } } });
const TENANTS = Number(values.tenants);
const USERS = Number(values.users);

const work = mkdtempSync(join(tmpdir(), "scim-bench-"));
const rounds = [];
try {
  const { port, redis } = await startRedis();
  for (const workers of [1, 2, 3]) {
    const queueName = `bench-${workers}`;
    const specs = Array.from({ length: TENANTS }, (_, i) => ({ id: `w${workers}t${String(i).padStart(2, "0")}`, users: USERS, groups: 3, requestsPerSecond: 50, burst: 5 }));
    const { tenants, tenantsFile } = await startTenants(join(work, queueName), specs);
    const procs = await startWorkers(workers, { REDIS_PORT: String(port), QUEUE: queueName, TENANTS_FILE: tenantsFile, WORKER_CONCURRENCY: values.concurrency });
    const { queue, events } = await openQueue(queueName, port);
    const started = Date.now();
    const jobs = await Promise.all(tenants.map((t) => queue.add("sync", { tenant: t.id }, { ...JOB_OPTIONS, jobId: `sync-${t.id}` })));
    await waitForJobs(queue, jobs, 600_000);
    const seconds = (Date.now() - started) / 1000;
    const verdicts = await Promise.all(tenants.map(verifyTenant));
    const converged = verdicts.every((v) => v.users === v.want && !v.duplicates.length && v.groupsOk);
    rounds.push({ workers, seconds, perMinute: (TENANTS / seconds) * 60, converged });
    await queue.close();
    await events.close();
    for (const p of procs) p.kill("SIGTERM");
    await stopTenants(tenants);
  }
  await redis.quit();
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

console.log(`${TENANTS} tenants of ${USERS} users and 3 groups each, ${values.concurrency} jobs at a time per worker`);
console.log("workers  seconds  tenants/min  vs 1 worker  converged");
const base = rounds[0].perMinute;
for (const r of rounds) {
  console.log(`${String(r.workers).padStart(7)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.perMinute.toFixed(1).padStart(11)}  ${(r.perMinute / base).toFixed(2).padStart(10)}x  ${r.converged ? "yes" : "NO"}`);
}
process.exit(rounds.every((r) => r.converged) ? 0 : 1);
