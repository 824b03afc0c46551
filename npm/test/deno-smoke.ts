// Deno smoke test: imports the built package, plans against the scim2-server whose URL and
// token are in SCIM_URL and SCIM_TOKEN, and runs the doctor (its module loaded on that first
// call). Prints "2 passed, 0 failed" on success.
import { Provisioner, plan } from "../dist/node.js";

const url = Deno.env.get("SCIM_URL")!;
const token = Deno.env.get("SCIM_TOKEN")!;
const offline = plan({ users: [{ userName: "deno@example.com" }] }, { users: [], groups: [], complete: true }, { profile: "airtable" });
if (offline.summary.createUsers !== 1) throw new Error("offline plan is wrong");
const p = new Provisioner({ baseUrl: url, token, policy: { offboarding: "leave" } });
const planned = await p.plan({ users: [{ userName: "deno@example.com", name: { givenName: "Deno" } }] });
if (planned.summary.createUsers !== 1) throw new Error(`expected one creation, got ${JSON.stringify(planned.summary)}`);
const report = await p.apply(planned);
if (report.status !== "applied") throw new Error(`apply: ${report.status} ${report.reason ?? ""}`);
const doctor = await p.doctor();
if (doctor.findings.length === 0) throw new Error("the doctor found nothing");
console.log("2 passed, 0 failed");
