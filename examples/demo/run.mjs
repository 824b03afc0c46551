// The demo: a real SCIM server (scim2-server on 127.0.0.1) holding an existing population,
// and the scim-provision CLI bringing it in line with a 200-person directory:
// plan (saved for review), apply the reviewed plan, report, plan again (empty).
//
//   bash scripts/demo.sh        (builds what is missing, then runs this)
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { styleText } from "node:util";

import { startScimServer } from "../../scripts/lib/scim2-server.mjs";
import { seed } from "./seed.mjs";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = `${repo}npm/bin/scim-provision.js`;
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (t) => (color ? styleText("bold", t) : t);
const dim = (t) => (color ? styleText("dim", t) : t);

const server = await startScimServer("demo-token");
let failed = false;
try {
  const seeded = await seed(server);
  console.log(bold("scim-provision demo"));
  console.log(dim(`scim2-server at ${server.url} holds ${seeded.users} users and ${seeded.groups} groups: drifted titles and`));
  console.log(dim("departments, three leavers still active, a returning employee deactivated, a changed on-call"));
  console.log(dim("rotation and a missing Admins group. The directory: examples/data/people.csv (200 people)."));

  mkdirSync(`${repo}target/demo`, { recursive: true });
  // Paths relative to the repository, where the commands run.
  const plan = "target/demo/plan.json";
  const people = "examples/data/people.csv";
  const env = { ...process.env, SCIM_TOKEN: server.token };

  const step = (title, args, expected) => {
    if (title) console.log(`\n${bold(`── ${title}`)}`);
    console.log(dim(`$ scim-provision ${args.join(" ")}`));
    const run = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit", env, cwd: repo });
    if (run.status !== expected) {
      console.error(`expected exit ${expected}, got ${run.status}`);
      failed = true;
    }
  };

  step("1. Plan: what would change (exit 2: changes pending)", ["plan", "--desired", people, "--url", server.url, "--out", plan], 2);
  step("2. Apply the reviewed plan", ["apply", "--plan", plan, "--url", server.url, "--yes"], 0);
  step("3. Report: seats, chargeback, stale accounts, access", ["report", "--url", server.url, "--desired", people, "--seats", "220"], 0);
  step("4. The same report as one HTML file and as the admin-panel CSV", ["report", "--url", server.url, "--desired", people, "--seats", "220", "--format", "html", "--out", "target/demo/report.html"], 0);
  step("", ["report", "--url", server.url, "--format", "csv", "--out", "target/demo/users.csv"], 0);
  step("5. Plan again: nothing left to do (exit 0)", ["plan", "--desired", people, "--url", server.url], 0);
} finally {
  await server.stop();
}
console.log(failed ? "\nThe demo did not go as expected (see above)." : dim("\nServer stopped. Open target/demo/report.html for the HTML report."));
process.exitCode = failed ? 1 : 0;
