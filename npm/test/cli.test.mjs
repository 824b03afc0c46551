// The `scim-provision` CLI as a subprocess against scim2-server: every command, exit code and
// error the README documents, and that the bearer token never shows.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { startEchoServer } from "./echo-server.mjs";
import { readAll, startScimServer } from "./server.mjs";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));
const fixture = (name) => fileURLToPath(new URL(`fixtures/cli/${name}`, import.meta.url));
const TOKEN = "cli-secret-token-4711";

/** Runs the CLI; resolves to { code, stdout, stderr } (never rejects on a non-zero exit). */
function cli(args, { env = {}, input } = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** One clear line on stderr (after any progress lines): no stack trace, no token. */
function assertOneLineError(run, pattern) {
  assert.equal(run.code, 1, `exit code (stderr: ${run.stderr})`);
  const lines = run.stderr.trimEnd().split("\n").filter((l) => !/^ {2}(discovering|listing|planning|applying|applied|warning)/.test(l));
  assert.equal(lines.length, 1, `one error line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], /^scim-provision: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  assert.ok(!run.stderr.includes(TOKEN) && !run.stdout.includes(TOKEN), "the token is never printed");
}

const tmp = mkdtempSync(join(tmpdir(), "scim-cli-"));

describe("scim-provision CLI", () => {
  let server;
  before(async () => {
    server = await startScimServer(TOKEN);
  });
  after(async () => {
    await server?.stop();
  });

  test("--help and --version", async () => {
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /\n  plan +show what a sync/);
    assert.match(help.stdout, /SCIM_TOKEN/);
    assert.match((await cli(["plan", "--help"])).stdout, /^Usage: scim-provision plan --desired FILE --url URL/);
    const version = await cli(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^scim-provision \d+\.\d+\.\d+/);
  });

  test("argument errors are one line each", async () => {
    assertOneLineError(await cli(["frobnicate"]), /unknown command frobnicate/);
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv")]), /--url URL is required/);
    assertOneLineError(await cli(["plan", "--url", server.url]), /--desired FILE is required/);
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url, "--bogus"]), /--bogus/);
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", "not a url"]), /is not a URL/);
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", "ftp://127.0.0.1/"]), /http or https/);
    assertOneLineError(await cli(["apply", "--url", server.url]), /--plan FILE .* or --desired FILE/);
    assertOneLineError(await cli(["report", "--url", server.url, "--format", "pdf"]), /--format must be/);
    assertOneLineError(await cli(["report", "--url", server.url, "--seats", "many"]), /--seats must be a whole number/);
    assertOneLineError(await cli(["apply", "--desired", fixture("team.csv"), "--url", server.url, "--max-deactivations", "lots"]), /--max-deactivations/);
  });

  test("the token comes from the environment only", async () => {
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url], { env: { SCIM_TOKEN: "" } }), /set the environment variable SCIM_TOKEN/);
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url, "--token-env", "MY_TOKEN"]), /MY_TOKEN/);
    const other = await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url, "--token-env", "MY_TOKEN"], { env: { SCIM_TOKEN: "", MY_TOKEN: TOKEN } });
    assert.equal(other.code, 2, other.stderr);
  });

  test("a wrong token is a clear 401 without the token", async () => {
    const wrong = "wrong-token-0815";
    const run = await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url], { env: { SCIM_TOKEN: wrong } });
    assertOneLineError(run, /401.*check the token/);
    assert.ok(!run.stderr.includes(wrong) && !run.stdout.includes(wrong));
  });

  test("a server echoing the token does not get it printed", async () => {
    const echo = createServer((req, res) => {
      res.writeHead(401, { "Content-Type": "application/scim+json" });
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401", detail: `bad credentials: ${req.headers.authorization}` }));
    });
    await new Promise((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const run = await cli(["plan", "--desired", fixture("team.csv"), "--url", `http://127.0.0.1:${echo.address().port}`, "--token-env", "OTHER_TOKEN"], { env: { OTHER_TOKEN: TOKEN } });
      assertOneLineError(run, /401.*\[redacted\]/);
    } finally {
      echo.close();
    }
  });

  for (const echo of ["detail", "html", "header"]) {
    test(`a server echoing the Authorization header (${echo}) never gets the token printed or written`, async () => {
      const echoing = await startEchoServer({ echo });
      try {
        const dir = mkdtempSync(join(tmp, `echo-${echo}-`));
        const files = { plan: join(dir, "plan.json"), html: join(dir, "report.html"), json: join(dir, "report.json") };
        const desired = fixture("team.csv");
        const runs = {
          plan: await cli(["plan", "--desired", desired, "--url", echoing.url]),
          planJson: await cli(["plan", "--desired", desired, "--url", echoing.url, "--json", "--out", files.plan]),
          apply: await cli(["apply", "--desired", desired, "--url", echoing.url, "--yes"]),
          applyJson: await cli(["apply", "--desired", desired, "--url", echoing.url, "--yes", "--json"]),
          reportHtml: await cli(["report", "--url", echoing.url, "--desired", desired, "--format", "html", "--out", files.html]),
          reportJson: await cli(["report", "--url", echoing.url, "--format", "json", "--out", files.json]),
          reportTable: await cli(["report", "--url", echoing.url]),
        };
        assert.equal(runs.plan.code, 2, runs.plan.stderr);
        assert.equal(runs.apply.code, 1, runs.apply.stderr);
        assert.equal(runs.applyJson.code, 1, runs.applyJson.stderr);
        assert.equal(runs.reportHtml.code, 0, runs.reportHtml.stderr);
        for (const [name, run] of Object.entries(runs)) {
          for (const stream of ["stdout", "stderr"]) {
            assert.ok(!run[stream].includes(TOKEN), `${name} ${stream} holds the token:\n${run[stream]}`);
          }
        }
        for (const file of Object.values(files)) assert.ok(!readFileSync(file, "utf8").includes(TOKEN), `${file} holds the token`);
        if (echo !== "header") {
          // The echo did reach the output, masked: the warning about discovery and the failures.
          assert.match(runs.plan.stderr, /\[redacted\]/);
          assert.match(runs.apply.stdout + runs.apply.stderr, /\[redacted\]/);
          assert.match(runs.applyJson.stdout, /\[redacted\]/);
        }
      } finally {
        await echoing.stop();
      }
    });
  }

  test("a report from an incomplete listing warns and exits 3 in every format", async () => {
    const partial = await startEchoServer({ echo: "none", incomplete: true });
    try {
      const dir = mkdtempSync(join(tmp, "incomplete-"));
      const warning = /^scim-provision: warning: the listing is incomplete \(.*listed twice.*\): figures may be short$/m;
      const table = await cli(["report", "--url", partial.url]);
      assert.equal(table.code, 3, table.stderr);
      assert.match(table.stderr, warning);
      assert.match(table.stdout, /Incomplete listing: these figures may be short/);
      const json = await cli(["report", "--url", partial.url, "--format", "json"]);
      assert.equal(json.code, 3, json.stderr);
      assert.match(json.stderr, warning);
      const report = JSON.parse(json.stdout);
      assert.equal(report.complete, false);
      assert.match(report.incomplete.join(" "), /listed twice/);
      const html = join(dir, "report.html");
      const page = await cli(["report", "--url", partial.url, "--format", "html", "--out", html]);
      assert.equal(page.code, 3, page.stderr);
      assert.match(page.stderr, warning);
      const text = readFileSync(html, "utf8");
      assert.ok(text.indexOf('<div id="incomplete" role="alert"') > 0, "the page has the banner");
      assert.ok(text.indexOf('<div id="incomplete"') < text.indexOf('<section id="seats">'), "the banner comes before the figures");
      const csv = await cli(["report", "--url", partial.url, "--format", "csv"]);
      assert.equal(csv.code, 3, csv.stderr);
      assert.match(csv.stderr, warning);
      assert.match(csv.stdout, /^External ID,/);
    } finally {
      await partial.stop();
    }
  });

  test("an unreachable server and a wrong base path are one line each", async () => {
    const closed = await new Promise((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    assertOneLineError(await cli(["plan", "--desired", fixture("team.csv"), "--url", `http://127.0.0.1:${closed}/scim/v2`]), /127\.0\.0\.1|connect|fetch failed|no answer/i);
    assertOneLineError(await cli(["report", "--url", `${server.url}/not-scim`]), /404.*is --url the SCIM base URL/);
  });

  test("malformed desired files name the row or the JSON path", async () => {
    const rows = await cli(["plan", "--desired", fixture("bad-rows.csv"), "--url", server.url]);
    assertOneLineError(rows, /bad-rows\.csv: row 3: .*row 4: /);
    assertOneLineError(await cli(["plan", "--desired", fixture("bad-type.json"), "--url", server.url]), /bad-type\.json: .*users\[0\]\.active/);
    assertOneLineError(await cli(["plan", "--desired", fixture("truncated.json"), "--url", server.url]), /truncated\.json: /);
    assertOneLineError(await cli(["plan", "--desired", join(tmp, "missing.csv"), "--url", server.url]), /cannot read .*missing\.csv \(the --desired directory file\): no such file/);
    // A spreadsheet's Latin-1 export: the core reads the file's bytes and refuses them whole.
    const latin1 = join(tmp, "latin1.csv");
    writeFileSync(latin1, Buffer.concat([Buffer.from("userName,givenName\nana@example.com,Ana\njose@example.com,Jos"), Buffer.from([0xe9]), Buffer.from("\n")]));
    const notUtf8 = /latin1\.csv: the directory is not UTF-8: byte 59 \(line 3\)/;
    assertOneLineError(await cli(["plan", "--desired", latin1, "--url", server.url]), notUtf8);
    assertOneLineError(await cli(["apply", "--desired", latin1, "--url", server.url, "--yes"]), notUtf8);
    assertOneLineError(await cli(["apply", "--plan", fixture("team.csv"), "--url", server.url, "--yes"]), /team\.csv: expected value at line 1 column 1 \(is it a plan\?/);
  });

  describe("plan, apply, report, plan again", () => {
    const planFile = join(tmp, "plan.json");

    test("plan shows the changes and exits 2; --out writes the Plan JSON with its directory", async () => {
      const run = await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url, "--out", planFile]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stdout, /Create users \(4\)/);
      assert.match(run.stdout, /\+ ana@example\.com/);
      assert.match(run.stdout, /Create groups \(2\)/);
      assert.match(run.stdout, /Changes: 4 users to create, 2 groups to create, 5 memberships to add/);
      assert.doesNotMatch(run.stdout, /\u001b\[/, "no colour when not on a terminal");
      assert.match(run.stderr, /listing users…/, "plain progress lines when not on a terminal");
      const file = JSON.parse(readFileSync(planFile, "utf8"));
      assert.equal(file.summary.createUsers, 4);
      assert.equal(file.input.desired.users.length, 4);
    });

    test("plan --json prints the Plan JSON", async () => {
      const run = await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url, "--json"]);
      assert.equal(run.code, 2);
      const plan = JSON.parse(run.stdout);
      assert.equal(plan.version, 1);
      assert.equal(plan.actions.filter((a) => a.type === "createUser").length, 4);
      assert.equal(plan.input, undefined);
    });

    test("apply asks for confirmation, which a non-terminal cannot give", async () => {
      assertOneLineError(await cli(["apply", "--plan", planFile, "--url", server.url]), /needs confirmation.*--yes/);
      assert.equal((await readAll(server, "Users")).length, 0, "nothing applied");
    });

    test("apply --plan --yes applies the reviewed plan and exits 0", async () => {
      const run = await cli(["apply", "--plan", planFile, "--url", server.url, "--yes"]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /Applied/);
      // 4 user creates and 2 group creates carrying their members (scim2-server takes them
      // in the POST): 6 actions, where adding the members took 2 more before.
      assert.match(run.stdout, /actions: 6 applied/);
      assert.match(run.stderr, /applied \d+\/6/);
      const users = await readAll(server, "Users");
      assert.deepEqual(users.map((u) => u.userName).sort(), ["ana@example.com", "bo@example.com", "cy@example.com", "dee@example.com"]);
      assert.equal(users.find((u) => u.userName === "cy@example.com").name.familyName, 'New, "Jr"');
      const groups = await readAll(server, "Groups");
      assert.equal(groups.find((g) => g.displayName === "Everyone").members.length, 4);
    });

    test("a plan applied twice is refused: the server changed since it was made", async () => {
      const run = await cli(["apply", "--plan", planFile, "--url", server.url, "--yes"]);
      assert.equal(run.code, 1);
      assertOneLineError(run, /^scim-provision: the server changed since the plan was made; plan again and review$/);
    });

    test("plan again is empty and exits 0", async () => {
      const run = await cli(["plan", "--desired", fixture("team.csv"), "--url", server.url]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /No changes/);
    });

    test("report in every format", async () => {
      const table = await cli(["report", "--url", server.url, "--desired", fixture("team.csv"), "--seats", "10"]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /Seats\n/);
      assert.match(table.stdout, /active \(billed\) +4/);
      assert.match(table.stdout, /unused +6/);
      assert.match(table.stdout, /\(unassigned\) +1/);
      assert.match(table.stdout, /Everyone +4 members/);

      const json = JSON.parse((await cli(["report", "--url", server.url, "--format", "json"])).stdout);
      assert.equal(json.seats.active, 4);
      assert.equal(json.snapshot.groups.length, 2);

      const csv = await cli(["report", "--url", server.url, "--format", "csv"]);
      assert.equal(csv.code, 0);
      assert.match(csv.stdout.split("\n")[0], /External ID.*Cost Center.*Department/);
      assert.match(csv.stdout, /"New, ""Jr"""/);

      const html = join(tmp, "report.html");
      const page = await cli(["report", "--url", server.url, "--format", "html", "--out", html]);
      assert.equal(page.code, 0);
      assert.equal(page.stdout, "");
      assert.match(readFileSync(html, "utf8"), /^<!DOCTYPE html>/);
    });

    test("a blocked plan is refused without --allow-blocked; --max-deactivations sets the cap", async () => {
      const fewer = join(tmp, "fewer.csv");
      writeFileSync(fewer, readFileSync(fixture("team.csv"), "utf8").split("\n").filter((l) => !/^(bo|cy)@/.test(l)).join("\n"));
      const planned = await cli(["plan", "--desired", fewer, "--url", server.url, "--max-deactivations", "1"]);
      assert.equal(planned.code, 2);
      assert.match(planned.stdout, /Deactivate users \(2\)/);
      assert.match(planned.stdout, /Blocked \(1\).*--allow-blocked/);
      assertOneLineError(await cli(["apply", "--desired", fewer, "--url", server.url, "--yes", "--max-deactivations", "1"]), /the plan is blocked: .*--allow-blocked/);
      assert.equal((await readAll(server, "Users")).filter((u) => u.active).length, 4);

      const forced = await cli(["apply", "--desired", fewer, "--url", server.url, "--yes", "--max-deactivations", "1", "--allow-blocked"]);
      assert.equal(forced.code, 0, forced.stderr + forced.stdout);
      assert.equal((await readAll(server, "Users")).filter((u) => u.active).length, 2);

      const stale = JSON.parse((await cli(["report", "--url", server.url, "--desired", fewer, "--format", "json"])).stdout);
      assert.equal(stale.seats.deactivated, 2);
    });
  });

  describe("report --compare: the access review of two runs against scim2-server", () => {
    let own;
    const before_ = join(tmp, "compare-before.json");
    const licenseFlags = ["--license-group", "Support=Creator", "--license-default", "ReadOnly", "--seats", "Creator=1,ReadOnly=2", "--price-per-seat", "10", "--price", "Creator=45.50"];
    const team = () => readFileSync(fixture("team.csv"), "utf8");
    before(async () => {
      own = await startScimServer(TOKEN);
      // Everyone is created, then dee is deactivated; the first report is taken then.
      const setup = await cli(["apply", "--desired", fixture("team.csv"), "--url", own.url, "--yes"]);
      assert.equal(setup.code, 0, setup.stderr + setup.stdout);
      const first = join(tmp, "compare-first.csv");
      writeFileSync(first, team().replace("dee@example.com,Dee,Back,E4,true", "dee@example.com,Dee,Back,E4,false"));
      const deactivated = await cli(["apply", "--desired", first, "--url", own.url, "--yes", "--max-deactivations", "2"]);
      assert.equal(deactivated.code, 0, deactivated.stderr + deactivated.stdout);
      const report = await cli(["report", "--url", own.url, ...licenseFlags, "--json", "--out", before_]);
      assert.equal(report.code, 0, report.stderr);
      // Then: bo leaves (deactivated), dee comes back, ana leaves Support, eve joins it.
      const second = join(tmp, "compare-second.csv");
      const lines = team()
        .split("\n")
        .filter((l) => !/^bo@/.test(l))
        .map((l) => l.replace("Support; Everyone", "Everyone"));
      lines.push("eve@example.com,Eve,Ng,E5,true,Support Agent,Support,CC-1,Support; Everyone");
      writeFileSync(second, lines.filter((l) => l !== "").join("\n") + "\n");
      const changed = await cli(["apply", "--desired", second, "--url", own.url, "--yes", "--max-deactivations", "2"]);
      assert.equal(changed.code, 0, changed.stderr + changed.stdout);
    });
    after(async () => {
      await own?.stop();
    });

    test("the JSON names who was added, deactivated, reactivated, and who gained or lost which group", async () => {
      const run = await cli(["report", "--url", own.url, ...licenseFlags, "--compare", before_, "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const { comparison, licenses, cost } = JSON.parse(run.stdout);
      assert.deepEqual(
        comparison.users.map((u) => `${u.change} ${u.userName}`),
        ["added eve@example.com", "deactivated bo@example.com", "reactivated dee@example.com"],
      );
      const access = comparison.access.map((a) => `${a.change} ${a.userName} ${a.group}`);
      assert.ok(access.includes("lost ana@example.com Support"), access.join("; "));
      assert.ok(access.includes("gained eve@example.com Support"), access.join("; "));
      assert.ok(access.includes("gained eve@example.com Everyone"), access.join("; "));
      assert.ok(!access.some((a) => a.includes("cy@example.com")), "cy's groups did not change");
      const creator = comparison.licenses.find((l) => l.license === "Creator");
      assert.deepEqual(creator.active, { previous: 1, current: 1, change: 0 }, "ana's seat went to eve");
      const readOnly = comparison.licenses.find((l) => l.license === "ReadOnly");
      // ReadOnly: bo deactivated, dee back, ana out of Support (the default type now).
      assert.deepEqual([readOnly.active.previous, readOnly.active.current, readOnly.deactivated.change], [2, 3, 0]);
      assert.deepEqual([comparison.active.previous, comparison.active.current], [3, 4]);
      const readOnlyNow = licenses.find((l) => l.license === "ReadOnly");
      assert.deepEqual([readOnlyNow.purchased, readOnlyNow.unused, readOnlyNow.overBy], [2, 0, 1]);
      assert.equal(cost.active, 4550 + 3 * 1000, "cents: a Creator at 45.50, three ReadOnly at 10.00");
    });

    test("as a table, CSV and HTML", async () => {
      const table = await cli(["report", "--url", own.url, ...licenseFlags, "--compare", before_]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /Seats by license type/);
      assert.match(table.stdout, /Access review since \d{4}-/);
      assert.match(table.stdout, /reactivated +dee@example\.com/);
      assert.match(table.stdout, /USD 45\.50/);
      const csv = await cli(["report", "--url", own.url, ...licenseFlags, "--compare", before_, "--csv"]);
      assert.equal(csv.code, 0, csv.stderr);
      const rows = csv.stdout.split("\r\n");
      assert.equal(rows[0], "Change,userName,ID,Group");
      assert.ok(rows.some((r) => /^reactivated,dee@example\.com,/.test(r)), csv.stdout);
      assert.ok(rows.some((r) => /^lost,ana@example\.com,.*,Support$/.test(r)), csv.stdout);
      const html = join(tmp, "compare.html");
      const page = await cli(["report", "--url", own.url, ...licenseFlags, "--compare", before_, "--format", "html", "--out", html]);
      assert.equal(page.code, 0, page.stderr);
      const text = readFileSync(html, "utf8");
      assert.match(text, /<section id="review">/);
      assert.match(text, /<section id="cost">/);
      assert.ok(!text.includes(TOKEN));
    });

    test("a file that is not a report, or a bad price, is one line naming it, before any listing", async () => {
      const bad = join(tmp, "not-a-report.json");
      writeFileSync(bad, JSON.stringify({ seats: { totalUsers: 1, active: 1, deactivated: 0 }, snapshot: { takenAtMs: 0, groups: [] } }));
      const run = await cli(["report", "--url", own.url, "--compare", bad]);
      assertOneLineError(run, /not-a-report\.json at snapshot: missing field `users`/);
      assert.doesNotMatch(run.stderr, /listing/, "refused before the server is listed");
      assertOneLineError(await cli(["report", "--url", own.url, "--price", "Creator=ten"]), /--price Creator=ten: not an amount such as 24\.00/);
      assertOneLineError(await cli(["report", "--url", own.url, "--price-per-seat", "1.234"]), /--price-per-seat 1\.234: not an amount/);
      assertOneLineError(await cli(["report", "--url", own.url, "--license-group", "Support"]), /--license-group takes GROUP=TYPE/);
      assertOneLineError(await cli(["report", "--url", own.url, "--seats", "Creator=x"]), /--seats Creator=x: the count must be a whole number/);
    });
  });

  test("show lists every action where plan shows 8 a kind", async () => {
    const many = join(tmp, "many.csv");
    const names = Array.from({ length: 12 }, (_, i) => `show${String(i).padStart(2, "0")}@example.com`);
    writeFileSync(many, ["userName", ...names].join("\n") + "\n");
    const planFile = join(tmp, "many-plan.json");
    const planned = await cli(["plan", "--desired", many, "--url", server.url, "--out", planFile, "--max-deactivations", "100%"]);
    assert.equal(planned.code, 2, planned.stderr);
    assert.match(planned.stdout, /Create users \(12\)/);
    assert.match(planned.stdout, /… and 4 more \(scim-provision show PLAN\.json lists every action\)/);
    const shown = await cli(["show", planFile, "--no-color"]);
    assert.equal(shown.code, 0, shown.stderr);
    for (const name of names) assert.match(shown.stdout, new RegExp(`\\+ ${name.replace(".", "\\.")}`));
    assert.doesNotMatch(shown.stdout, /… and \d+ more/);
  });

  describe("a reviewed plan file is checked before it is applied", () => {
    let own;
    const fewer = join(tmp, "reviewed-fewer.csv");
    const planFile = join(tmp, "reviewed.json");
    const edit = (name, change) => {
      const file = JSON.parse(readFileSync(planFile, "utf8"));
      change(file);
      const path = join(tmp, name);
      writeFileSync(path, JSON.stringify(file, null, 2));
      return path;
    };
    const active = async () => (await readAll(own, "Users")).filter((u) => u.active).map((u) => u.userName).sort();
    before(async () => {
      own = await startScimServer(TOKEN);
      const setup = await cli(["apply", "--desired", fixture("team.csv"), "--url", own.url, "--yes"]);
      assert.equal(setup.code, 0, setup.stderr + setup.stdout);
      // bo leaves: one deactivation (25 %, within the default cap).
      writeFileSync(fewer, readFileSync(fixture("team.csv"), "utf8").split("\n").filter((l) => !/^bo@/.test(l)).join("\n"));
      const planned = await cli(["plan", "--desired", fewer, "--url", own.url, "--out", planFile]);
      assert.equal(planned.code, 2, planned.stderr);
      assert.match(planned.stdout, /1 user to deactivate/);
      const file = JSON.parse(readFileSync(planFile, "utf8"));
      assert.match(file.digest, /^[0-9a-f]{64}$/);
      assert.match(file.stateDigest, /^[0-9a-f]{32}$/);
    });
    after(async () => {
      await own?.stop();
    });

    test("an edited action is refused as edited, before any request", async () => {
      const edited = edit("edited-action.json", (file) => {
        const step = file.actions.find((a) => a.type === "deactivateUser");
        step.reason = "routine clean-up";
      });
      const run = await cli(["apply", "--plan", edited, "--url", own.url, "--yes"]);
      assertOneLineError(run, /^scim-provision: \S*edited-action\.json: the plan file was edited after it was made \(its actions or guards no longer match its digest\)$/);
      assert.doesNotMatch(run.stderr, /listing users/, "nothing was sent, not even the listing");
      assert.deepEqual(await active(), ["ana@example.com", "bo@example.com", "cy@example.com", "dee@example.com"], "nothing written");
    });

    test("show prints the saved plan offline (no token needed); an edited one is refused", async () => {
      const shown = await cli(["show", planFile], { env: { SCIM_TOKEN: "" } });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /Deactivate users \(1\)\n\s*- bo@example\.com/);
      assert.match(shown.stdout, /Changes: .*1 user to deactivate/);
      const json = await cli(["show", planFile, "--json"], { env: { SCIM_TOKEN: "" } });
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout).actions, JSON.parse(readFileSync(planFile, "utf8")).actions);
      const edited = edit("edited-for-show.json", (file) => {
        file.actions.find((a) => a.type === "deactivateUser").reason = "routine clean-up";
      });
      assertOneLineError(await cli(["show", edited]), /edited-for-show\.json: the plan file was edited after it was made/);
    });

    test("a plan without a digest (an older version's) is refused", async () => {
      const old = edit("old.json", (file) => {
        delete file.digest;
        delete file.stateDigest;
      });
      assertOneLineError(await cli(["apply", "--plan", old, "--url", own.url, "--yes"]), /carries no digest.*plan again and review/);
    });

    test("a server changed between plan and apply is refused as changed", async () => {
      // Someone adds a user directly on the server: the fresh plan would deactivate it too.
      const res = await fetch(`${own.url}/Users`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "zed@example.com", active: true }),
      });
      assert.equal(res.status, 201);
      const run = await cli(["apply", "--plan", planFile, "--url", own.url, "--yes"]);
      assertOneLineError(run, /^scim-provision: the server changed since the plan was made; plan again and review$/);
      assert.deepEqual(await active(), ["ana@example.com", "bo@example.com", "cy@example.com", "dee@example.com", "zed@example.com"], "nothing written");
      const zed = (await readAll(own, "Users")).find((u) => u.userName === "zed@example.com");
      const gone = await fetch(`${own.url}/Users/${zed.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(gone.status, 204);
    });

    test("an edited summary is recomputed: the deactivation it hid is announced", async () => {
      const hidden = edit("edited-summary.json", (file) => {
        file.summary.deactivateUsers = 0;
      });
      const run = await cli(["apply", "--plan", hidden, "--url", own.url, "--yes"]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /Changes: .*1 user to deactivate/);
      assert.deepEqual(await active(), ["ana@example.com", "cy@example.com", "dee@example.com"]);
    });

    test("two server groups of one name are an ambiguous match: shown, blocked, left alone", async () => {
      const res = await fetch(`${own.url}/Groups`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "EVERYONE" }),
      });
      assert.equal(res.status, 201);
      const members = async () => Object.fromEntries((await readAll(own, "Groups")).map((g) => [g.id, (g.members ?? []).length]));
      const before = await members();
      const ids = (await readAll(own, "Groups")).filter((g) => g.displayName.toLowerCase() === "everyone").map((g) => g.id).sort();
      const planned = await cli(["plan", "--desired", fixture("team.csv"), "--url", own.url]);
      assert.equal(planned.code, 2, planned.stderr);
      assert.match(planned.stdout, /Blocked \(1\)/);
      assert.ok(planned.stdout.includes(`ambiguousMatch  group "Everyone" matches 2 server groups (ids ${ids.join(", ")}); changes to it are blocked`), planned.stdout);
      const forced = await cli(["apply", "--desired", fixture("team.csv"), "--url", own.url, "--yes", "--allow-blocked"]);
      assert.equal(forced.code, 0, forced.stderr + forced.stdout);
      assert.deepEqual(await members(), before, "no membership of either group changed");
      assert.ok((await active()).includes("bo@example.com"), "the rest of the plan applied");
    });
  });

  test("apply exits 1 when an action fails, and names it", async () => {
    // A proxy in front of the server that rejects one user, as a real server rejects a bad value.
    const target = new URL(server.url);
    const proxy = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        if (req.method === "POST" && body.includes("reject@example.com")) {
          res.writeHead(400, { "Content-Type": "application/scim+json" });
          res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidValue", detail: "userName not allowed" }));
          return;
        }
        const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        });
        upstream.end(body);
      });
    });
    await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const desired = join(tmp, "reject.csv");
      writeFileSync(desired, readFileSync(fixture("team.csv"), "utf8") + "reject@example.com,Re,Ject,E9,true,,,,\n");
      const run = await cli(["apply", "--desired", desired, "--url", `http://127.0.0.1:${proxy.address().port}`, "--yes", "--allow-blocked"]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /Partially applied/);
      assert.match(run.stdout, /failed +createUser +reject@example\.com +HTTP 400 invalidValue userName not allowed/);
      assert.match(run.stderr, /failed: createUser reject@example\.com/);
    } finally {
      proxy.close();
    }
  });

  test("on a terminal: a progress bar, colour, and a confirmation prompt", async (t) => {
    // `script` (util-linux) gives the CLI a pseudo-terminal.
    const hasScript = await new Promise((resolve) => spawn("script", ["--version"]).on("error", () => resolve(false)).on("exit", (c) => resolve(c === 0)));
    if (!hasScript) return t.skip("no `script` command for a pseudo-terminal");
    const more = join(tmp, "more.csv");
    writeFileSync(more, readFileSync(fixture("team.csv"), "utf8") + "eve@example.com,Eve,New,E5,true,,,,Everyone\n");
    const command = [process.execPath, CLI, "apply", "--desired", more, "--url", server.url].map((a) => `'${a}'`).join(" ");
    const run = await new Promise((resolve) => {
      const child = spawn("script", ["-qefc", command, "/dev/null"], { env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN, TERM: "xterm" } });
      let out = "";
      let answered = false;
      // Answered once: every chunk after the prompt wrote "n" again, and one that came after
      // the CLI had exited wrote to a closed pipe (EPIPE, an uncaught error in the test).
      child.stdin.on("error", () => {});
      child.stdout.on("data", (d) => {
        out += d;
        if (!answered && out.includes("[y/N]")) {
          answered = true;
          child.stdin.write("n\n");
        }
      });
      child.on("exit", (code) => resolve({ code, out }));
    });
    assert.match(run.out, /Apply \d+ changes to .*\[y\/N\]/);
    assert.match(run.out, /Nothing applied/);
    assert.match(run.out, /\u001b\[/, "colour on a terminal");
    assert.match(run.out, /\r\u001b\[K {2}listing users/, "the bar is redrawn in place");
    assert.equal(run.code, 1);
  });
});
