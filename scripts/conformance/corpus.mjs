// What the JavaScript runners of the conformance corpus share (run-jco.mjs for the component,
// run-npm.mjs for the npm package): canonical JSON, the case helpers, and the loop over the
// cases that compares every result byte for byte with its golden file. The case format is
// specified in tests/conformance/README.md.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const MAX_STEPS = 100000;

/** A runner-side failure (bad case, unexpected host behaviour), not a corpus result. */
export class CaseError extends Error {}

const utf8 = (s) => Buffer.from(s, 'utf8');

/** Canonical JSON: keys sorted by code point, no whitespace, non-ASCII as UTF-8. */
export function canonical(value) {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  // Numbers: serde_json and JavaScript agree on integers and on non-integral floats; an
  // integral float (1.0) would differ, and the corpus has none (see its README).
  return JSON.stringify(value);
}

/** A field the case must have. */
export function field(c, name) {
  if (!(name in c)) throw new CaseError(`the case has no \`${name}\``);
  return c[name];
}

/** The call an `encode` case makes on an encoder (the component's and the npm package's
 * share their method names), as a function to run. */
export function encodeCall(encoder, c) {
  const kind = c.resourceKind ?? 'user';
  const arg = (name) => canonical(field(c, name));
  const ops = {
    list: () => encoder.list(kind, arg('query')),
    get: () => encoder.get(kind, field(c, 'id')),
    create: () => encoder.createResource(kind, arg('resource')),
    replace: () => encoder.replace(kind, field(c, 'id'), arg('resource')),
    patch: () => encoder.patch(kind, field(c, 'id'), arg('patch')),
    delete: () => encoder.delete(kind, field(c, 'id')),
    serviceProviderConfig: () => encoder.serviceProviderConfig(),
  };
  const op = ops[field(c, 'op')];
  if (!op) throw new CaseError(`unknown op ${c.op}`);
  return op;
}

/**
 * The report case's walk, one for every host: users, groups and the plan (`undefined` when
 * absent) as JSON text, options with `desired` and `policy` as JSON text, then the host's
 * `buildReport`, `reportHtml` and `reportCsv` (`reportCsvWith` and the license rule, when
 * the case has one) in turn, then `reviewCsv` when the case has an earlier report; the first
 * error ends it. `api.options` turns the case's options into the host's own shape.
 */
export function reportCase(c, attempt, api) {
  const users = canonical(field(c, 'users'));
  const groups = canonical(field(c, 'groups'));
  const plan = 'plan' in c ? canonical(c.plan) : undefined;
  const o = c.options ?? {};
  const options = api.options({
    takenAtMs: o.takenAtMs ?? 0,
    purchasedSeats: o.purchasedSeats,
    desired: 'desired' in o ? canonical(o.desired) : undefined,
    policy: 'policy' in o ? canonical(o.policy) : undefined,
    listing: o.listing,
    licenses: 'licenses' in o ? canonical(o.licenses) : undefined,
    currency: o.currency,
    pricePerSeat: o.pricePerSeat,
    prices: o.prices,
    server: o.server,
    previous: 'previous' in o ? canonical(o.previous) : undefined,
  });
  const report = attempt(() => api.buildReport(users, groups, plan, options));
  if (report.error) return report;
  const html = attempt(() => api.reportHtml(users, groups, plan, options));
  if (html.error) return html;
  const licenses = 'licenses' in o ? canonical(o.licenses) : undefined;
  const csv = attempt(() => (licenses === undefined ? api.reportCsv(users, groups) : api.reportCsvWith(users, groups, licenses)));
  if (csv.error) return csv;
  const ok = { report: report.ok, html: html.ok, csv: csv.ok };
  if ('previous' in o) {
    const review = attempt(() => api.reviewCsv(users, groups, plan, options));
    if (review.error) return review;
    ok.reviewCsv = review.ok;
  }
  return { ok };
}

/** `{fail: reason}` or `{response: {status, headers, body}}` from a scripted answer. */
export function scriptedResponse(entry) {
  if ('fail' in entry) return { fail: entry.fail };
  const body = entry.body === undefined || entry.body === null ? ''
    : typeof entry.body === 'string' ? entry.body : canonical(entry.body);
  return { response: { status: entry.status, headers: entry.headers ?? [], body } };
}

/** The names of the cases in `dir`, sorted. */
export function caseNames(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Runs case `name` of `dir` with `kinds[case.kind]` and compares the canonical result with
 * its golden file. Returns `{name, ok: true}` or `{name, ok: false, message}`; never throws.
 */
export function runCase(kinds, dir, name) {
  try {
    const c = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    const run = kinds[c.kind];
    if (!run) throw new CaseError(`unknown kind ${c.kind}`);
    const actual = `${canonical(run(c))}\n`;
    const expected = readFileSync(join(dir, `${name}.expected.json`), 'utf8');
    if (actual === expected) return { name, ok: true };
    let at = 0;
    while (at < actual.length && actual[at] === expected[at]) at += 1;
    return {
      name,
      ok: false,
      message: `differs from the golden file at character ${at}\n`
        + `  expected: ${expected.slice(Math.max(0, at - 80), at + 120)}\n`
        + `  actual:   ${actual.slice(Math.max(0, at - 80), at + 120)}`,
    };
  } catch (e) {
    return { name, ok: false, message: e instanceof CaseError ? e.message : String(e?.stack ?? e) };
  }
}

/** Runs every case, prints one line per failure and the summary; returns the counts. */
export function runCorpus(kinds, dir, label) {
  const names = caseNames(dir);
  let passed = 0;
  let failed = 0;
  for (const name of names) {
    const result = runCase(kinds, dir, name);
    if (result.ok) {
      passed += 1;
    } else {
      failed += 1;
      console.log(`FAIL ${name}: ${result.message}`);
    }
  }
  console.log(`${label}: ${names.length} cases`);
  console.log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
