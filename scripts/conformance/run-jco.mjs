// Runs the conformance corpus (tests/conformance/cases) against the WebAssembly component as
// transpiled by jco, and compares every result byte for byte with its golden file.
//
//   node scripts/conformance/run-jco.mjs [TRANSPILED_JS] [CASES_DIR]
//
// Defaults: target/component/js/scim_provision.js and tests/conformance/cases. The case format
// and the host loop are specified in tests/conformance/README.md. Prints one line per failing
// case and ends with `N passed, N failed`; exits 1 when a case fails.

import { readFileSync, readdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const modulePath = resolve(process.argv[2] ?? join(root, 'target/component/js/scim_provision.js'));
const casesDir = resolve(process.argv[3] ?? join(root, 'tests/conformance/cases'));
const MAX_STEPS = 100000;

const { codec, planner, engine } = await import(pathToFileURL(modulePath).href);

// ---- canonical JSON: keys sorted by code point, no whitespace, non-ASCII as UTF-8 ----

const utf8 = (s) => Buffer.from(s, 'utf8');
function canonical(value) {
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

// ---- mapping WIT values to the corpus's JSON forms ----

class CaseError extends Error {}

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

function field(c, name) {
  if (!(name in c)) throw new CaseError(`the case has no \`${name}\``);
  return c[name];
}

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

function scriptedResponse(entry) {
  if ('fail' in entry) return { fail: entry.fail };
  const body = entry.body === undefined || entry.body === null ? ''
    : typeof entry.body === 'string' ? entry.body : canonical(entry.body);
  return { response: { status: entry.status, headers: entry.headers ?? [], body } };
}

// ---- case kinds ----

function runEngine(c) {
  const config = canonical(resolveProfile(field(c, 'config')));
  const desired = desiredText(c);
  if (desired.error) return desired;
  const created = attempt(() => engine.Engine.create(config, desired.ok));
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
        const input = scripted.fail !== undefined
          ? { tag: 'failed', val: { id, reason: scripted.fail } }
          : { tag: 'response', val: { id, response: scripted.response } };
        const handled = attempt(() => run.handleInput(input, now));
        if (handled.error) throw new CaseError(`handle-input failed: ${handled.error.message}`);
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
    const result = attempt(op);
    return result.error ? result : { ok: requestJson(result.ok) };
  } finally {
    encoder[Symbol.dispose]?.();
  }
}

const kinds = { engine: runEngine, plan: runPlan, desired: runDesired, decode: runDecode, filter: runFilter, encode: runEncode };

// ---- the corpus ----

const names = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
  .sort();
let passed = 0;
let failed = 0;
for (const file of names) {
  const name = file.slice(0, -'.json'.length);
  try {
    const c = JSON.parse(readFileSync(join(casesDir, file), 'utf8'));
    const run = kinds[c.kind];
    if (!run) throw new CaseError(`unknown kind ${c.kind}`);
    const actual = `${canonical(run(c))}\n`;
    const expected = readFileSync(join(casesDir, `${name}.expected.json`), 'utf8');
    if (actual === expected) {
      passed += 1;
    } else {
      let at = 0;
      while (at < actual.length && actual[at] === expected[at]) at += 1;
      console.log(`FAIL ${name}: differs from the golden file at character ${at}`);
      console.log(`  expected: ${expected.slice(Math.max(0, at - 80), at + 120)}`);
      console.log(`  actual:   ${actual.slice(Math.max(0, at - 80), at + 120)}`);
      failed += 1;
    }
  } catch (e) {
    console.log(`FAIL ${name}: ${e instanceof CaseError ? e.message : e?.stack ?? e}`);
    failed += 1;
  }
}
console.log(`jco: ${names.length} cases`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
