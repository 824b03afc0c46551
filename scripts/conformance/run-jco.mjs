// Runs the conformance corpus (tests/conformance/cases) against the WebAssembly component as
// transpiled by jco, and compares every result byte for byte with its golden file.
//
//   node scripts/conformance/run-jco.mjs [TRANSPILED_JS] [CASES_DIR]
//
// Defaults: target/component/js/scim_provision.js and tests/conformance/cases. The case format
// and the host loop are specified in tests/conformance/README.md. Prints one line per failing
// case and ends with `N passed, N failed`; exits 1 when a case fails.

import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { CaseError, MAX_STEPS, canonical, encodeCall, field, reportCase, runCorpus, scriptedResponse } from './corpus.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const modulePath = resolve(process.argv[2] ?? join(root, 'target/component/js/scim_provision.js'));
const casesDir = resolve(process.argv[3] ?? join(root, 'tests/conformance/cases'));

const { codec, planner, engine, reports } = await import(pathToFileURL(modulePath).href);

// ---- mapping WIT values to the corpus's JSON forms ----

/** A WIT `error` as the corpus renders it. */
function errorJson(e) {
  return {
    kind: e.kind,
    code: e.code,
    message: e.message,
    httpStatus: e.httpStatus ?? null,
    scimType: e.scimType ?? null,
    detail: e.detail ?? null,
    location: e.location ?? null,
    data: JSON.parse(e.data),
  };
}

/** Calls `f`; a WIT error result becomes `{error}`, anything else thrown is a runner failure. */
function attempt(f) {
  try {
    return { ok: f() };
  } catch (e) {
    if (e && typeof e.payload === 'object' && e.payload !== null && 'kind' in e.payload) {
      return { error: errorJson(e.payload) };
    }
    throw e;
  }
}

const requestJson = (r) => ({ method: r.method, path: r.path, headers: r.headers, body: r.body ?? null });

function outputJson(out) {
  switch (out.tag) {
    case 'send': return { type: 'send', id: out.val.id, request: requestJson(out.val.request) };
    case 'event': return { type: 'event', event: JSON.parse(out.val) };
    case 'wait': return { type: 'wait', untilMs: out.val ?? null };
    case 'done': return { type: 'done', report: JSON.parse(out.val) };
    default: throw new CaseError(`unknown output ${out.tag}`);
  }
}

// ---- case inputs ----

function resolveProfile(config) {
  if (typeof config.profile !== 'string') return config;
  const profile = planner.profile(config.profile);
  if (profile === undefined) throw new CaseError(`no built-in profile ${config.profile}`);
  return { ...config, profile: JSON.parse(profile) };
}

/** `{ok: desired JSON text}` or `{error}`. */
function desiredText(c) {
  if ('desiredCsv' in c) return attempt(() => planner.parseDesiredCsv(c.desiredCsv));
  return { ok: canonical(field(c, 'desired')) };
}

// ---- case kinds ----

function runEngine(c) {
  const config = canonical(resolveProfile(field(c, 'config')));
  // A targeted run (`targets`: hire, terminate, grant...) or a run towards a directory.
  const desired = 'targets' in c ? { ok: '' } : desiredText(c);
  if (desired.error) return desired;
  const created = 'targets' in c
    ? attempt(() => engine.Engine.createTargeted(config, canonical(c.targets)))
    : attempt(() => engine.Engine.create(config, desired.ok));
  if (created.error) return created;
  const run = created.ok;
  try {
    const responses = c.responses ?? [];
    const abortAfter = c.abortAfterSends;
    let now = BigInt(c.startMs ?? 0);
    let next = 0;
    let sends = 0;
    const transcript = [];
    for (let step = 0; step < MAX_STEPS; step++) {
      const out = run.pollOutput(now);
      transcript.push(outputJson(out));
      if (out.tag === 'send') {
        const id = out.val.id;
        const scripted = next < responses.length ? scriptedResponse(responses[next]) : { fail: 'no scripted response' };
        next += 1;
        // An answer goes in as a host hands it: its body as the bytes received.
        const r = scripted.response;
        const handled = scripted.fail !== undefined
          ? attempt(() => run.handleInput({ tag: 'failed', val: { id, reason: scripted.fail } }, now))
          : attempt(() => run.handleResponse(id, r.status, r.headers, new TextEncoder().encode(r.body), now));
        if (handled.error) throw new CaseError(`handling the answer failed: ${handled.error.message}`);
        sends += 1;
        if (abortAfter === sends) run.abort();
      } else if (out.tag === 'wait') {
        now = out.val ?? now + 1n;
      } else if (out.tag === 'done') {
        return transcript;
      }
    }
    throw new CaseError(`the run did not finish within ${MAX_STEPS} polls`);
  } finally {
    run[Symbol.dispose]?.();
  }
}

function runPlan(c) {
  const config = canonical(resolveProfile(field(c, 'config')));
  const desired = desiredText(c);
  if (desired.error) return desired;
  const result = attempt(() => planner.plan(desired.ok, canonical(field(c, 'actual')), config));
  return result.error ? result : { ok: JSON.parse(result.ok) };
}

function runDesired(c) {
  const result = 'desiredCsv' in c
    ? attempt(() => planner.parseDesiredCsv(c.desiredCsv))
    : attempt(() => planner.parseDesiredJson(canonical(field(c, 'desired'))));
  return result.error ? result : { ok: JSON.parse(result.ok) };
}

function runDecode(c) {
  const scripted = scriptedResponse(field(c, 'response'));
  if (scripted.fail !== undefined) throw new CaseError('a decode case\'s response cannot be a failure');
  const o = c.options ?? {};
  const options = {
    maxBodyBytes: o.maxBodyBytes === undefined ? undefined : BigInt(o.maxBodyBytes),
    createStatuses: o.createStatuses === undefined ? undefined : new Uint16Array(o.createStatuses),
    nowMs: o.nowMs === undefined ? undefined : BigInt(o.nowMs),
  };
  const result = attempt(() => codec.decodeResponse(field(c, 'resourceType'), field(c, 'expect'), scripted.response, options));
  return result.error ? result : { ok: JSON.parse(result.ok) };
}

function runFilter(c) {
  const parsed = attempt(() => codec.parseFilter(field(c, 'text')));
  if (parsed.error) return parsed;
  const rendered = attempt(() => codec.renderFilter(parsed.ok));
  if (rendered.error) return rendered;
  return { ok: { filter: JSON.parse(parsed.ok), rendered: rendered.ok } };
}

function runEncode(c) {
  const config = resolveProfile(c);
  const created = attempt(() => codec.Encoder.create(field(config, 'basePath'), canonical(field(config, 'profile'))));
  if (created.error) return created;
  const encoder = created.ok;
  try {
    const result = attempt(encodeCall(encoder, c));
    return result.error ? result : { ok: requestJson(result.ok) };
  } finally {
    encoder[Symbol.dispose]?.();
  }
}

function runReport(c) {
  return reportCase(c, attempt, {
    options: (o) => ({
      takenAtMs: BigInt(o.takenAtMs),
      purchasedSeats: o.purchasedSeats === undefined ? undefined : BigInt(o.purchasedSeats),
      desiredJson: o.desired,
      policyJson: o.policy,
      incomplete: o.listing && o.listing.complete === false ? o.listing.problems ?? [] : undefined,
      licensesJson: o.licenses,
      currency: o.currency,
      pricePerSeat: o.pricePerSeat === undefined ? undefined : BigInt(o.pricePerSeat),
      prices: o.prices === undefined ? undefined : Object.entries(o.prices).map(([name, cents]) => [name, BigInt(cents)]),
      server: o.server,
      previousJson: o.previous,
    }),
    // The component hands the report back as JSON text.
    buildReport: (...args) => JSON.parse(reports.buildReport(...args)),
    reportHtml: reports.reportHtml,
    reportCsv: reports.reportCsv,
    reportCsvWith: (users, groups, licenses) => reports.reportCsvWith(users, groups, false, licenses),
    reviewCsv: (users, groups, plan, options) => reports.reviewCsv(users, groups, plan, options, false),
  });
}

const kinds = {
  engine: runEngine,
  plan: runPlan,
  desired: runDesired,
  decode: runDecode,
  filter: runFilter,
  encode: runEncode,
  report: runReport,
};

const { passed, failed } = runCorpus(kinds, casesDir, 'jco');
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
