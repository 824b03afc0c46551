// Units of the CLI that need no server: argument parsing, terminal-safe text, alignment.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseCommand } from "../dist/cli/args.js";
import { CliError } from "../dist/cli/inputs.js";
import { count, printable, table } from "../dist/cli/table.js";

const URL_ARGS = ["--url", "https://example.com/scim/v2"];

test("--max-deactivations takes a count or a percentage", () => {
  const cap = (v) => parseCommand(["plan", "--desired", "d.csv", ...URL_ARGS, "--max-deactivations", v]).maxDeactivations;
  assert.deepEqual(cap("10"), { count: 10, percent: null });
  assert.deepEqual(cap("5%"), { count: null, percent: 5 });
  assert.deepEqual(cap("12.5%"), { count: null, percent: 12.5 });
  for (const bad of ["-1", "101%", "ten", "5 %", "1e3", ""]) {
    assert.throws(() => cap(bad), CliError, bad);
  }
});

test("options, defaults and refusals", () => {
  const plan = parseCommand(["plan", "--desired", "d.csv", ...URL_ARGS, "--json", "--out", "p.json"]);
  assert.equal(plan.tokenEnv, "SCIM_TOKEN");
  assert.equal(plan.json, true);
  assert.equal(plan.out, "p.json");
  assert.equal(parseCommand(["report", ...URL_ARGS, "--token-env=MY_TOKEN"]).tokenEnv, "MY_TOKEN");
  assert.equal(parseCommand(["apply", "--plan", "p.json", ...URL_ARGS, "-y"]).yes, true);
  assert.equal(parseCommand(["report", ...URL_ARGS, "--seats", "250"]).seats, 250);
  assert.deepEqual(parseCommand([]), { name: "help", missing: true });
  assert.deepEqual(parseCommand(["plan", "--help"]), { name: "help", command: "plan" });
  assert.throws(() => parseCommand(["plan", "--desired", "d.csv", "--url", "https://u:p@example.com"]), /credentials/);
  assert.throws(() => parseCommand(["report", ...URL_ARGS, "stray"]), CliError);
  assert.throws(() => parseCommand(["report", ...URL_ARGS, "--seats", "1.5"]), /whole number/);
});

test("hostile names cannot move the cursor or forge lines", () => {
  assert.equal(printable("a\u001b[2Jb\nc\rd\u2028e"), "a\\u001b[2Jb\\u000ac\\u000dd\\u2028e");
  assert.equal(printable("Zoë O'Brien"), "Zoë O'Brien");
});

test("columns align on visible width, colour escapes excluded", () => {
  const lines = table([["\u001b[32mab\u001b[39m", "1", "x"], ["abcd", "10", "y"]], ["left", "right", "left"], "");
  assert.deepEqual(lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, "")), ["ab     1  x", "abcd  10  y"]);
  assert.equal(count(1, "user"), "1 user");
  assert.equal(count(0, "group"), "0 groups");
});

test("the run summary shows a lookup's own error, ambiguous candidates and an adoption after a refused lookup", async () => {
  const { renderRun } = await import("../dist/cli/render-run.js");
  const { Style } = await import("../dist/cli/style.js");
  const invalidFilter = { httpStatus: 400, status: 400, scimType: "invalidFilter", detail: "cannot parse the filter", retryAfterMs: null, bodyExcerpt: null };
  const conflict = { ...invalidFilter, httpStatus: 409, status: 409, scimType: "uniqueness", detail: "userName is already taken" };
  const report = {
    status: "partiallyApplied",
    outcomes: [
      { index: 0, kind: "createUser", subject: "o\"hara@x.com", result: { status: "adopted", id: "usr1", updated: false, lookupError: invalidFilter } },
      { index: 1, kind: "createUser", subject: "ana@x.com", result: { status: "adopted", id: "usr2", updated: false } },
      { index: 2, kind: "createGroup", subject: "Eng", result: { status: "failed", error: { kind: "ambiguous", reason: "group \"Eng\" matches 2 server groups (ids g1, g2); none was adopted", candidates: ["g1", "g2"] } } },
      { index: 3, kind: "createUser", subject: "bo\"b@x.com", result: { status: "failed", error: { kind: "lookupFailed", reason: "the create met a conflict (HTTP 409) and the lookup failed", conflict, lookupError: invalidFilter } } },
    ],
    listing: { users: 0, groups: 0, complete: true, problems: [] },
    requestsSent: 9, retries: 0, waits: 0, waitedMs: 0, elapsedMs: 10, warnings: [],
  };
  const text = renderRun(report, new Style({ isTTY: false }, {}));
  assert.match(text, /adopted usr1 from the listing; the lookup failed: HTTP 400 invalidFilter cannot parse the filter/);
  assert.doesNotMatch(text, /usr2/, "a plain adoption is not a problem");
  assert.match(text, /ids g1, g2/);
  assert.match(text, /the create met a conflict \(HTTP 409\) and the lookup failed/);
  assert.match(text, /2 adopted, 2 failed/);
});

test("the run summary counts the pauses really made; a stopped run says what was and was not done", async () => {
  const { renderRun } = await import("../dist/cli/render-run.js");
  const { Style } = await import("../dist/cli/style.js");
  const style = new Style({ isTTY: false }, {});
  const outcome = (index, kind, status) => ({ index, kind, subject: `u${index}@x.com`, result: { status } });
  const base = { reason: null, listing: { users: 0, groups: 0, complete: true, problems: [] }, requestsSent: 9, retries: 1, elapsedMs: 2500, warnings: [] };
  const applied = renderRun({ ...base, status: "applied", outcomes: [outcome(0, "createUser", "applied")], waits: 0, waitedMs: 0 }, style);
  assert.match(applied, /9 requests, 1 retry, 2\.5 s in all/);
  assert.doesNotMatch(applied, /pause/, "no pause, no word of it");
  const paced = renderRun({ ...base, status: "applied", outcomes: [], waits: 3, waitedMs: 1500 }, style);
  assert.match(paced, /3 pauses for the rate limit or a retry \(1\.5 s\)/);
  const stopped = renderRun(
    {
      ...base,
      status: "aborted",
      reason: "stopped by the host",
      waits: 0,
      waitedMs: 0,
      outcomes: [outcome(0, "createUser", "applied"), outcome(1, "createUser", "adopted"), outcome(2, "createUser", "notRun"), outcome(3, "addMembers", "notRun"), outcome(4, "deactivateUser", "failed")].map((o) =>
        o.result.status === "failed" ? { ...o, result: { status: "failed", error: { kind: "unanswered", attempts: 3, reason: "timed out" } } } : o,
      ),
    },
    style,
  );
  assert.match(stopped, /^Stopped before the end: 2 of 5 changes made, 3 not\.\n  done: 2 users created\n  not done: 1 user to create, 1 membership change to make, 1 user to deactivate\n  Run the same command again/);
  assert.doesNotMatch(stopped, /notRun|not run|stopped by the host/);
});

test("the core decides a directory file's format, a cap's meaning and a blocked plan's refusal", async () => {
  const { blockedRefusal, parseCap, parseDesiredFile, ScimProvisionError } = await import("../dist/node.js");
  assert.equal(parseDesiredFile("people.csv", "userName\nana@example.com\n").users[0].userName, "ana@example.com");
  assert.equal(parseDesiredFile("people", '{"users":[{"userName":"bo@x"}]}').users[0].userName, "bo@x");
  // A .csv file is CSV whatever it looks like: the error names rows, not a JSON path.
  assert.throws(() => parseDesiredFile("people.csv", '{"users":[]}'), (e) => e instanceof ScimProvisionError && e.kind === "desired-state" && e.code === "csv");
  assert.deepEqual(parseCap("7"), { count: 7, percent: null });
  assert.throws(() => parseCap("7 %"), (e) => e instanceof ScimProvisionError && e.code === "cap" && /must be a count/.test(e.message));
  const blocked = [{ guard: "deactivationCap", reason: "3 deactivations exceed the cap of 1" }];
  assert.equal(blockedRefusal(blocked, false), "the plan is blocked: 3 deactivations exceed the cap of 1");
  assert.equal(blockedRefusal(blocked, true), undefined);
  assert.equal(blockedRefusal([], false), undefined);
});
