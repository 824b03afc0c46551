// The multi-tenant example under test: Redis, 21 tenants (one scim2-server each), 3 worker
// processes, one sync job per tenant. One tenant is large and slow (5 requests/s) so its
// apply is still running when its worker is killed (SIGKILL); the queue notices the stalled
// job and hands it to another worker, which converges with no duplicate. That tenant also has
// a report job running at the same time, drawing on the same per-tenant budget: every request
// of the tenant, from either job and any worker, is timed, and no second holds more than the
// bucket allows. Every server is then read back directly. Bounded: it stops itself after
// 180 s, and stops every process it started. Prints `N passed, N failed`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JOB_OPTIONS, openQueue, startRedis, startTenants, startWorkers, stopAll, verifyTenant, waitForJobs } from "./harness.mjs";

const TENANTS = 21;
const WORKERS = 3;
const SLOW = { id: "t00", users: 80, groups: 4, requestsPerSecond: 5, burst: 2 };
const QUEUE = "tenant-sync";

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === "" ? "" : `: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`}`);
}

const work = mkdtempSync(join(tmpdir(), "scim-tenants-"));
const bounded = setTimeout(async () => {
  console.error("the multi-tenant test took more than 180 s; stopping");
  await stopAll();
  process.exit(1);
}, 180_000);

const started = Date.now();
try {
  const { port, redis } = await startRedis();
  const specs = [SLOW];
  for (let i = 1; i < TENANTS; i++) specs.push({ id: `t${String(i).padStart(2, "0")}`, users: 20 + (i % 5) * 5, groups: 3, requestsPerSecond: 50, burst: 5 });
  const { tenants, tenantsFile } = await startTenants(work, specs);
  console.log(`${tenants.length} tenants and Redis up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const env = { REDIS_PORT: String(port), QUEUE, TENANTS_FILE: tenantsFile, WORKER_CONCURRENCY: "4", RECORD_SENDS: "1" };
  const workers = await startWorkers(WORKERS, env);
  const pids = new Set(workers.map((w) => w.pid));
  const { queue, events } = await openQueue(QUEUE, port);

  // Kill the worker running the slow tenant's sync once 20 of its actions are done.
  let killed = null;
  const killedMidApply = new Promise((resolve) => {
    events.on("progress", ({ jobId, data }) => {
      if (killed || jobId !== "sync-t00" || !(data?.actions >= 20)) return;
      const victim = workers.find((w) => w.pid === data.pid);
      if (!victim) return;
      killed = { pid: data.pid, actions: data.actions };
      victim.kill("SIGKILL");
      resolve();
    });
  });

  const jobs = [];
  for (const t of tenants) jobs.push(await queue.add("sync", { tenant: t.id }, { ...JOB_OPTIONS, jobId: `sync-${t.id}` }));
  jobs.push(await queue.add("report", { tenant: SLOW.id }, { ...JOB_OPTIONS, jobId: `report-${SLOW.id}` }));

  await Promise.race([killedMidApply, new Promise((r) => setTimeout(r, 60_000))]);
  check(`a worker was killed in the middle of the slow tenant's apply (after ${killed?.actions} of its actions)`, killed !== null, "no progress seen");
  await waitForJobs(queue, jobs, 110_000);
  const elapsed = (Date.now() - started) / 1000;

  const results = await Promise.all(jobs.map((j) => queue.getJob(j.id)));
  const notDone = results.filter((j) => j.finishedOn === undefined || j.failedReason);
  check("every job completed", notDone.length === 0, notDone.map((j) => [j.id, j.failedReason]));
  const syncs = results.filter((j) => j.name === "sync");
  const notApplied = syncs.filter((j) => j.returnvalue?.status !== "applied");
  check(`all ${TENANTS} syncs applied`, notApplied.length === 0, notApplied.map((j) => [j.id, j.returnvalue]));
  const slow = results.find((j) => j.id === "sync-t00");
  check(
    "the killed job was retried by another worker after it stalled",
    killed !== null && slow.returnvalue?.pid !== killed.pid && pids.has(slow.returnvalue?.pid),
    { killed, finishedBy: slow.returnvalue?.pid },
  );
  const workersUsed = new Set(syncs.map((j) => j.returnvalue?.pid));
  check("the jobs were spread over several workers", workersUsed.size >= 2, [...workersUsed]);

  // Every server read back directly.
  const verdicts = await Promise.all(tenants.map(async (t) => ({ id: t.id, ...(await verifyTenant(t)) })));
  const wrongCount = verdicts.filter((v) => v.users !== v.want || v.missing.length);
  check("every tenant holds exactly its directory's users", wrongCount.length === 0, wrongCount);
  const dupes = verdicts.filter((v) => v.duplicates.length);
  check("no duplicate userName on any tenant (the killed apply included)", dupes.length === 0, dupes);
  const inactive = verdicts.filter((v) => v.inactive.length);
  check("every user active", inactive.length === 0, inactive);
  const badGroups = verdicts.filter((v) => !v.groupsOk);
  check("every group holds exactly its members", badGroups.length === 0, badGroups.map((v) => [v.id, v.groups]));

  // The slow tenant's budget (5/s, burst 2) held across its two jobs and three processes:
  // no 1-second window holds more than rate + burst requests (+1 for the timing of the record).
  const sent = (await redis.lrange("sent:t00", 0, -1)).map(Number).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sent.length; j++) {
    while (sent[j] - sent[i] >= 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  check(`the slow tenant's requests shared one budget of ${SLOW.requestsPerSecond}/s across jobs and workers (busiest second: ${most} of ${sent.length})`, sent.length > 80 && most <= SLOW.requestsPerSecond + SLOW.burst + 1, { requests: sent.length, busiestSecond: most });
  const report = results.find((j) => j.id === "report-t00");
  check("the report job of the same tenant ran alongside", typeof report.returnvalue?.seats?.totalUsers === "number", report.returnvalue);

  console.log(`${TENANTS} tenants on ${WORKERS} workers in ${elapsed.toFixed(1)} s (one killed and its job retried)`);
  await queue.close();
  await events.close();
  await redis.quit();
} catch (error) {
  check("the run", false, String(error?.stack ?? error));
} finally {
  clearTimeout(bounded);
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
