// The CLI's messages, as an admin reads them (issue 21 item 4), asserted on real runs of the
// built CLI with bad inputs: each names the file that was wrong, numbers CSV rows one way
// ("row 3"), shows no escaped quote, no internal argument name (desired, actual, config...)
// and no advice twice; every command's --help explains each of its flags and shows an
// example; no command at all prints the usage and exits 1.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { COMMANDS } from "../dist/cli/args.js";
import { startFaultProxy } from "./lib/fault-proxy.mjs";
import { startScimServer } from "./server.mjs";

const CLI = fileURLToPath(new URL("../bin/scim-provision.js", import.meta.url));
const TOKEN = "messages-token-2718";

function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, SCIM_TOKEN: TOKEN, NO_COLOR: "1", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr });
    });
    child.stdin.end();
  });
}

/** The error line of a failed run (progress lines aside). */
function errorLine(run) {
  const lines = run.stderr.split("\n").filter((l) => l.startsWith("scim-provision: "));
  assert.equal(lines.length, 1, `one error line:\n${run.stderr}`);
  return lines[0].slice("scim-provision: ".length);
}

/** The wording rules every message keeps. */
function assertWorded(message, { file } = {}) {
  assert.doesNotMatch(message, /\\"/, `no escaped quote: ${message}`);
  assert.doesNotMatch(message, /\brecord \d|\bline: \d|\bbyte: \d/, `one numbering for CSV rows: ${message}`);
  // The core's names for its arguments; the flags (--desired) are what the admin typed.
  assert.doesNotMatch(message, /(?<![-\w])(desired|actual|config|config-json|plan-json|policy-json|desired-state)(?![-\w])|argument `/, `no internal name: ${message}`);
  // The same advice twice ("check the token ... check the bearer token").
  const advice = message.match(/\b(check|see|pass|set|write one with|is --url)\b[^;:()]*/g) ?? [];
  const seen = new Set(advice.map((a) => a.split(" ")[0]));
  assert.equal(seen.size, advice.length, `advice given once: ${message}`);
  if (file) assert.ok(message.includes(file), `names ${file}: ${message}`);
}

const dir = mkdtempSync(join(tmpdir(), "scim-messages-"));
const write = (name, text) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("CLI messages", () => {
  let server;
  let url;
  before(async () => {
    server = await startScimServer(TOKEN);
    url = server.url;
  });
  after(() => server?.stop());

  test("bad directory files: the file named, rows numbered one way, JSON paths without internal names", async () => {
    const cases = [
      [write("ragged.csv", 'userName,title\nana@x.com,Eng\n"bo@x.com",Eng,extra\n'), /ragged\.csv: row 3: has 3 fields where the header has 2/],
      [write("bad-active.csv", "userName,active\nana@x.com,maybe\n"), /bad-active\.csv: row 2: active must be true\/false, yes\/no or 1\/0, not "maybe"/],
      [write("unknown-column.csv", "userName,titel\nana@x.com,Eng\n"), /unknown-column\.csv: row 1: /],
      [write("truncated.json", '{"users": [\n'), /truncated\.json: /],
      [write("bad-type.json", '{"users": [{"userName": "a@x.com", "active": "sometimes"}]}'), /bad-type\.json: at users\[0\]\.active: /],
      [join(dir, "missing.csv"), /cannot read .*missing\.csv \(the --desired directory file\): no such file/],
    ];
    for (const [file, pattern] of cases) {
      const run = await cli(["plan", "--desired", file, "--url", url]);
      assert.equal(run.code, 1, run.stderr);
      const message = errorLine(run);
      assert.match(message, pattern);
      assertWorded(message, { file: file.split("/").pop() });
    }
  });

  test("bad policy, mapping and plan files are named", async () => {
    const team = write("team.csv", "userName\nana@x.com\n");
    const policies = [
      [write("policy-not-json.json", "{ scope: "), /policy-not-json\.json/],
      [write("policy-shape.json", '{"maxDeactivations": "lots"}'), /policy-shape\.json: at maxDeactivations/],
    ];
    for (const [file, pattern] of policies) {
      const message = errorLine(await cli(["plan", "--desired", team, "--url", url, "--policy", file]));
      assert.match(message, pattern);
      assertWorded(message, { file: file.split("/").pop() });
    }
    const mapping = write("mapping.json", '{"version": 1, "nonsense": true}');
    const message = errorLine(await cli(["map", "--desired", team, "--mapping", mapping]));
    assertWorded(message, { file: "mapping.json" });
    for (const [file, args] of [
      [write("not-a-plan.json", '{"actions": 3}'), ["show"]],
      [write("not-json-plan.json", "plan?"), ["show"]],
      [write("not-json-plan2.json", "plan?"), ["apply", "--url", url, "--yes", "--plan"]],
    ]) {
      const run = await cli([...args, file]);
      assert.equal(run.code, 1, run.stderr);
      assertWorded(errorLine(run), { file: file.split("/").pop() });
    }
  });

  test("flags, commands, the token and the URL", async () => {
    const team = write("team2.csv", "userName\nana@x.com\n");
    const closed = await new Promise((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    const runs = [
      [["plan", "--desired", team, "--url", url, "--bogus"], /plan: unknown option --bogus \(scim-provision plan --help lists its options\)/],
      [["frobnicate"], /unknown command frobnicate: the commands are plan, show, apply/],
      [["plan", "--desired", team, "--url", url], /no bearer token: set the environment variable SCIM_TOKEN/, { SCIM_TOKEN: "" }],
      [["plan", "--desired", team, "--url", url], /HTTP 401/, { SCIM_TOKEN: "wrong" }],
      [["plan", "--desired", team, "--url", "not a url"], /--url not a url is not a URL/],
      [["report", "--url", `${url}/not-scim`], /404/],
      [["plan", "--desired", team, "--url", `http://127.0.0.1:${closed}/scim/v2`], /could not reach/],
      [["plan", "--desired", team, "--url", url, "--max-deactivations", "lots"], /--max-deactivations/],
      [["plan", "--desired", team, "--url", url, "--scope", 'title eq "x'], /--scope|filter/],
      [["grant", "--user", "ana@x.com", "--url", url], /grant: --group NAME is required/],
    ];
    for (const [args, pattern, env] of runs) {
      const run = await cli(args, env);
      assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
      const message = errorLine(run);
      assert.match(message, pattern);
      assertWorded(message);
    }
  });

  test("an attribute the server does not keep is a warning naming it and the user", async () => {
    const created = await fetch(`${url}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "kept@x.com", title: "Old", active: true }),
    });
    assert.equal(created.status, 201);
    // scim2-server answers a PATCH with 204, no resource to compare: the proxy takes PATCH
    // out of its ServiceProviderConfig, so the update is a PUT, whose answer (the user) it
    // rewrites with the title as it was.
    const proxy = await startFaultProxy(server, {
      rules: [
        { method: "GET", path: /\/ServiceProviderConfig$/, fault: "rewrite", rewrite: (json) => void (json.patch = { supported: false }) },
        { method: "PUT", path: /\/Users\//, fault: "rewrite", rewrite: (json) => void (json.title = "Old") },
      ],
    });
    try {
      const desired = write("kept.csv", "userName,title\nkept@x.com,Engineer\n");
      const run = await cli(["apply", "--desired", desired, "--url", proxy.url, "--yes", "--max-deactivations", "100%"]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const warning = /warning: the server did not keep title of kept@x\.com \(written "Engineer", answered otherwise\): every plan will change it again/;
      assert.match(run.stdout, warning);
      assertWorded(run.stdout.match(warning)[0]);
    } finally {
      await proxy.close();
    }
  });

  test("every command's --help explains each of its flags and shows an example; help COMMAND too", async () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      const run = await cli([name, "--help"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: scim-provision ${name} `));
      for (const flag of spec.flags) {
        const line = run.stdout.split("\n").find((l) => /^ {2}-/.test(l) && l.includes(`--${flag.name}${flag.value ? ` ${flag.value}` : ""} `) || l.endsWith(`--${flag.name}`));
        assert.ok(line && line.trim().split(/\s{2,}/)[1]?.length > 5, `${name} --help explains --${flag.name}:\n${run.stdout}`);
      }
      assert.match(run.stdout, new RegExp(`Examples?:\\n  scim-provision ${name} `));
      assert.match(run.stdout, /Exit codes: /);
      assert.equal((await cli(["help", name])).stdout, run.stdout);
    }
    // Different commands, different texts.
    assert.notEqual((await cli(["plan", "--help"])).stdout, (await cli(["apply", "--help"])).stdout);
  });

  test("no command prints the usage on stderr and exits 1; --help and --version are listed", async () => {
    const none = await cli([]);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /^Usage: scim-provision COMMAND/);
    for (const name of Object.keys(COMMANDS)) assert.match(none.stderr, new RegExp(`\\n  ${name} +\\S`));
    assert.match(none.stderr, /--version/);
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, none.stderr);
  });
});
