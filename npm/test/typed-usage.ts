// Type-checked (tsc --noEmit) usage of the public API, as a TypeScript user would write it.
import {
  Engine,
  Provisioner,
  ScimProvisionError,
  parseDesiredCsv,
  plan,
  profile,
  type DesiredState,
  type EngineEvent,
  type Output,
  type Plan,
  type Profile,
  type RunReport,
} from "../dist/node.js";

async function usage(): Promise<void> {
  const desired: DesiredState = parseDesiredCsv("userName,givenName\nana@example.com,Ana\n");
  const p = new Provisioner({ baseUrl: "https://airtable.com/scim/v2", profile: "airtable", token: "t", policy: { offboarding: "deactivate" } });
  const reviewed: Plan = await p.plan(desired, { fetch });
  const counts: number = reviewed.summary.createUsers + reviewed.summary.addMembers;
  for (const step of reviewed.actions) {
    if (step.type === "updateUser") {
      const attrs: string[] = step.changes.map((c) => c.attribute);
      void attrs;
    }
  }
  const controller = new AbortController();
  const report: RunReport = await p.apply(reviewed, {
    fetch,
    signal: controller.signal,
    onProgress: (e: EngineEvent) => {
      if (e.type === "progress") void (e.done / e.total);
    },
  });
  if (report.status === "partiallyApplied") {
    for (const o of report.outcomes) if (o.result.status === "failed") void o.result.error.kind;
  }
  try {
    plan({ users: [] }, { users: [], groups: [], complete: true }, { profile: "generic" });
  } catch (e) {
    if (e instanceof ScimProvisionError) void [e.kind, e.code, e.status, e.httpStatus, e.scimType, e.detail, e.location, e.data, e.toJSON().kind];
  }
  const generic: Profile | undefined = profile("generic");
  const engine = new Engine({ basePath: "/scim/v2", profile: generic, mode: { mode: "planOnly" } }, desired);
  const out: Output = engine.pollOutput(Date.now());
  if (out.type === "send") engine.handleInput({ type: "failed", id: out.id, reason: "offline" }, Date.now());
  const failure: ScimProvisionError | undefined = engine.runFailure();
  if (failure?.kind === "run-failed") void failure.message;
  void counts;
}

void usage;
