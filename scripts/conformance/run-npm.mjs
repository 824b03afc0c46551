// Runs the conformance corpus (tests/conformance/cases) against the npm package through its
// public API, and compares every result byte for byte with its golden file.
//
//   node scripts/conformance/run-npm.mjs [PACKAGE_ENTRY] [CASES_DIR]
//
// Defaults: npm/dist/node.js (build it with `bash scripts/npm.sh`) and tests/conformance/cases.
// The case format and the host loop are specified in tests/conformance/README.md. Prints one
// line per failing case and ends with `N passed, N failed`; exits 1 when a case fails.
// npm/test/conformance.test.mjs runs the same cases under node's test runner.
//
// The calls used are the package's exports: `Engine`, `planWithConfig`, `parseDesiredJson`,
// `parseDesiredCsv`, `decode`, `parseFilter`, `renderFilter`, `Encoder`, `buildReport`,
// `reportHtml`, `reportCsv`, `profile`. An error is a `ScimProvisionError`, whose `toJSON()`
// is the corpus's ERROR record.

import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { CaseError, MAX_STEPS, canonical, encodeCall, field, reportCase, runCorpus, scriptedResponse } from './corpus.mjs';

const CORE_KINDS = new Set(['encode', 'decode', 'server', 'desired-state', 'plan', 'engine', 'filter', 'invalid-argument']);

/** The case kinds, run through the npm package `pkg` (its module namespace). */
export function npmKinds(pkg) {
  /** Calls `f`; a core error becomes `{error}`, anything else thrown is a runner failure. */
  function attempt(f) {
    try {
      return { ok: f() };
    } catch (e) {
      if (e instanceof pkg.ScimProvisionError && CORE_KINDS.has(e.kind)) return { error: e.toJSON() };
      throw e;
    }
  }

  function resolveProfile(config) {
    if (typeof config.profile !== 'string') return config;
    const profile = pkg.profile(config.profile);
    if (profile === undefined) throw new CaseError(`no built-in profile ${config.profile}`);
    return { ...config, profile };
  }

  /** `{ok: desired JSON text}` or `{error}`. */
  function desiredText(c) {
    if ('desiredCsv' in c) return attempt(() => canonical(pkg.parseDesiredCsv(c.desiredCsv)));
    return { ok: canonical(field(c, 'desired')) };
  }

  function runEngine(c) {
    const config = canonical(resolveProfile(field(c, 'config')));
    // A targeted run (`targets`: hire, terminate, grant...) or a run towards a directory.
    const desired = 'targets' in c ? { ok: '{}' } : desiredText(c);
    if (desired.error) return desired;
    const targets = 'targets' in c ? canonical(c.targets) : undefined;
    const created = attempt(() => new pkg.Engine(config, desired.ok, targets));
    if (created.error) return created;
    const run = created.ok;
    try {
      const responses = c.responses ?? [];
      const abortAfter = c.abortAfterSends;
      let now = c.startMs ?? 0;
      let next = 0;
      let sends = 0;
      const transcript = [];
      for (let step = 0; step < MAX_STEPS; step++) {
        const out = run.pollOutput(now);
        transcript.push(out);
        if (out.type === 'send') {
          const scripted = next < responses.length ? scriptedResponse(responses[next]) : { fail: 'no scripted response' };
          next += 1;
          // An answer goes in as the facade's host loop hands it: the body's bytes.
          const r = scripted.response;
          const handled = scripted.fail !== undefined
            ? attempt(() => run.handleInput({ type: 'failed', id: out.id, reason: scripted.fail }, now))
            : attempt(() => run.handleResponse(out.id, r.status, r.headers, new TextEncoder().encode(r.body), now));
          if (handled.error) throw new CaseError(`handling the answer failed: ${handled.error.message}`);
          sends += 1;
          if (abortAfter === sends) run.abort();
        } else if (out.type === 'wait') {
          now = out.untilMs ?? now + 1;
        } else if (out.type === 'done') {
          return transcript;
        } else if (out.type !== 'event') {
          throw new CaseError(`unknown output ${out.type}`);
        }
      }
      throw new CaseError(`the run did not finish within ${MAX_STEPS} polls`);
    } finally {
      run.free();
    }
  }

  function runPlan(c) {
    const config = canonical(resolveProfile(field(c, 'config')));
    const desired = desiredText(c);
    if (desired.error) return desired;
    return attempt(() => pkg.planWithConfig(desired.ok, canonical(field(c, 'actual')), config));
  }

  function runDesired(c) {
    return 'desiredCsv' in c
      ? attempt(() => pkg.parseDesiredCsv(c.desiredCsv))
      : attempt(() => pkg.parseDesiredJson(canonical(field(c, 'desired'))));
  }

  function runDecode(c) {
    const scripted = scriptedResponse(field(c, 'response'));
    if (scripted.fail !== undefined) throw new CaseError('a decode case\'s response cannot be a failure');
    return attempt(() => pkg.decode(field(c, 'resourceType'), field(c, 'expect'), scripted.response, c.options));
  }

  function runFilter(c) {
    const parsed = attempt(() => pkg.parseFilter(field(c, 'text')));
    if (parsed.error) return parsed;
    // As a host does: the filter object goes back in through `renderFilter`.
    const rendered = attempt(() => pkg.renderFilter(parsed.ok));
    if (rendered.error) return rendered;
    return { ok: { filter: parsed.ok, rendered: rendered.ok } };
  }

  function runEncode(c) {
    const config = resolveProfile(c);
    const created = attempt(() => new pkg.Encoder(field(config, 'basePath'), canonical(field(config, 'profile'))));
    if (created.error) return created;
    const encoder = created.ok;
    try {
      return attempt(encodeCall(encoder, c));
    } finally {
      encoder.free();
    }
  }

  function runReport(c) {
    return reportCase(c, attempt, {
      options: (o) => o,
      buildReport: pkg.buildReport,
      reportHtml: pkg.reportHtml,
      reportCsv: pkg.reportCsv,
      reportCsvWith: (users, groups, licenses) => pkg.reportCsv(users, groups, { licenses }),
      reviewCsv: (users, groups, plan, options) => pkg.reviewCsv(users, groups, plan, options),
    });
  }

  return {
    engine: runEngine,
    plan: runPlan,
    desired: runDesired,
    decode: runDecode,
    filter: runFilter,
    encode: runEncode,
    report: runReport,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const entry = resolve(process.argv[2] ?? join(root, 'npm/dist/node.js'));
  const casesDir = resolve(process.argv[3] ?? join(root, 'tests/conformance/cases'));
  const pkg = await import(pathToFileURL(entry).href);
  const { passed, failed } = runCorpus(npmKinds(pkg), casesDir, 'npm');
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
