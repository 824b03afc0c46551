// Opens an HTML report (from `cargo run --example report_html -- FILE.html`) in headless
// Chromium, takes a full-page screenshot and checks the rendered DOM:
//   - one bar per department in the chart, each with a non-zero box, matching the
//     department chargeback table (same names, same counts);
//   - the stale-account table rendered visible rows; the access snapshot is one collapsed
//     <details> per group, whose member rows show when opened and when printed;
//   - the license, cost and access-review sections, when the report has them, rendered rows;
//     the server is shown without its credentials;
//   - a report from an incomplete listing shows its warning banner above the figures;
//   - no script ran (no <script> element, no dialog), nothing was fetched but the file itself,
//     no console error (a CSP violation would be one), hostile names shown as text.
//
// Usage: node html_report_check.mjs REPORT.html SCREENSHOT.png
// Needs `playwright-core` resolvable (for example NODE_PATH=/tmp/reportcheck/node_modules)
// and Chromium at /usr/bin/chromium (or CHROMIUM=/path/to/chromium).
// Prints one line per check, then `N passed, N failed`; exits 1 if any check failed.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
let chromium;
try {
  // Resolved through NODE_PATH (ESM `import` ignores NODE_PATH; `require` honours it).
  ({ chromium } = require('playwright-core'));
} catch (err) {
  console.error(`html_report_check: cannot load playwright-core (${err.message}); set NODE_PATH`);
  process.exit(2);
}

const [htmlArg, shotArg] = process.argv.slice(2);
if (!htmlArg || !shotArg) {
  console.error('usage: node html_report_check.mjs REPORT.html SCREENSHOT.png');
  process.exit(2);
}
const htmlPath = resolve(htmlArg);
if (!existsSync(htmlPath)) {
  console.error(`html_report_check: no such file ${htmlPath}`);
  process.exit(2);
}
const pageUrl = pathToFileURL(htmlPath).href;

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  const dialogs = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });

  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  check('page loaded', response === null || response.ok(), response ? String(response.status()) : '');
  await page.screenshot({ path: resolve(shotArg), fullPage: true });
  check('screenshot written', existsSync(resolve(shotArg)), shotArg);

  const dom = await page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { w: r.width, h: r.height };
    };
    const bars = [...document.querySelectorAll('#departments svg rect.bar')].map((el) => ({
      department: el.getAttribute('data-department'),
      unassigned: el.getAttribute('data-unassigned') === 'true',
      count: Number(el.getAttribute('data-count')),
      title: el.querySelector('title')?.textContent ?? '',
      ...box(el),
    }));
    const deptRows = [...document.querySelectorAll('#chargeback-department tbody tr')]
      .filter((tr) => !tr.classList.contains('none'))
      .map((tr) => ({
        name: tr.cells[0]?.textContent ?? '',
        unassigned: tr.cells[0]?.classList.contains('none') ?? false,
        count: Number(tr.cells[1]?.textContent ?? 'NaN'),
      }));
    const rows = (sel) =>
      [...document.querySelectorAll(sel)].map((tr) => ({ text: tr.textContent, ...box(tr) }));
    return {
      sections: ['seats', 'departments', 'chargeback', 'stale', 'snapshot', 'licenses', 'cost', 'review'].filter(
        (id) => document.getElementById(id) !== null,
      ),
      bars,
      deptRows,
      staleRows: rows('#stale-table tbody tr'),
      snapshotGroups: [...document.querySelectorAll('#snapshot details.group')].map((d) => ({ open: d.open, ...box(d.querySelector('summary')) })),
      // checkVisibility, not a box: layout inside a closed <details> (content-visibility:
      // hidden) is computed on request, so its rows report a size while hidden.
      collapsedMembers: [...document.querySelectorAll('#snapshot tr.member')].filter((tr) => tr.checkVisibility()).length,
      licenseRows: rows('#licenses-table tbody tr'),
      costRows: rows('#cost-table tbody tr'),
      reviewRows: rows('#review tr.user-change, #review tr.access-change'),
      server: document.getElementById('server')?.textContent ?? null,
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].filter((el) =>
        [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on')),
      ).length,
      fetchers: document.querySelectorAll(
        '[src], [href], [srcset], link, img, iframe, object, embed, image, use',
      ).length,
      bodyText: document.body.innerText,
      activeSeats: document.querySelector('tr[data-seat="active"] td')?.textContent ?? '',
      banner: (() => {
        const b = document.getElementById('incomplete');
        const seats = document.getElementById('seats');
        if (!b || !seats) return null;
        return { ...box(b), before: Boolean(b.compareDocumentPosition(seats) & Node.DOCUMENT_POSITION_FOLLOWING) };
      })(),
    };
  });

  check('every section present', dom.sections.length >= 5, `found ${dom.sections.join(',')}`);
  for (const [id, rows] of [['licenses', dom.licenseRows], ['cost', dom.costRows], ['review', dom.reviewRows]]) {
    if (dom.sections.includes(id)) check(`${id} section rendered rows`, rows.length > 0 && rows.every((r) => r.h > 0), `${rows.length} rows`);
  }
  if (dom.server !== null) check('server shown without credentials', !/@|\?|secret|token/.test(dom.server), dom.server);
  check(
    'an incomplete-listing banner, when there is one, shows above the figures',
    dom.banner === null || (dom.banner.before && dom.banner.h > 0),
    JSON.stringify(dom.banner),
  );
  check(
    'chart has bars (unless nobody is active)',
    dom.bars.length > 0 || dom.activeSeats.trim() === '0',
    'no rect.bar in #departments',
  );
  check(
    'one bar per department',
    dom.bars.length === dom.deptRows.length,
    `${dom.bars.length} bars, ${dom.deptRows.length} department rows`,
  );
  const barKeys = new Set(dom.bars.map((b) => `${b.unassigned}|${b.department}`));
  check('bars are distinct departments', barKeys.size === dom.bars.length);
  const badBoxes = dom.bars.filter((b) => !(b.w > 0 && b.h > 0));
  check(
    'every bar has a non-zero box',
    badBoxes.length === 0,
    badBoxes.map((b) => `${b.department}: ${b.w}x${b.h}`).join('; '),
  );
  const mismatched = dom.bars.filter((b, i) => {
    const row = dom.deptRows[i];
    return !row || row.name !== b.department || row.count !== b.count || row.unassigned !== b.unassigned;
  });
  check(
    'bars match the department table (name, count, order)',
    mismatched.length === 0,
    mismatched.map((b) => `${b.department}=${b.count}`).join('; '),
  );
  check(
    'bar titles name department and count',
    dom.bars.every((b) => b.title === `${b.department}: ${b.count} active`),
  );
  const sum = dom.bars.reduce((n, b) => n + b.count, 0);
  check('bar counts sum to active seats', String(sum) === dom.activeSeats.trim(), `${sum} vs ${dom.activeSeats}`);
  const wide = [...dom.bars].sort((a, b) => b.count - a.count);
  check(
    'bar widths follow counts',
    wide.every((b, i) => i === 0 || wide[i - 1].w >= b.w),
  );

  check(
    'stale table rendered rows',
    dom.staleRows.length > 0 && dom.staleRows.every((r) => r.h > 0),
    `${dom.staleRows.length} rows`,
  );
  check(
    'snapshot: one collapsed <details> per group, its summary shown',
    dom.snapshotGroups.length > 0 && dom.snapshotGroups.every((g) => !g.open && g.h > 0),
    `${dom.snapshotGroups.length} groups`,
  );
  check('snapshot members hidden while collapsed', dom.collapsedMembers === 0, `${dom.collapsedMembers} visible`);
  const memberRows = () =>
    page.evaluate(() => [...document.querySelectorAll('#snapshot tr.member')].filter((tr) => tr.checkVisibility() && tr.getBoundingClientRect().height > 0).length);
  await page.emulateMedia({ media: 'print' });
  const printed = await memberRows();
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => document.querySelectorAll('#snapshot details').forEach((d) => { d.open = true; }));
  const opened = await memberRows();
  check('snapshot member rows show when the groups are opened', opened > 0, `${opened} rows`);
  check('snapshot member rows show when printed', printed === opened, `${printed} printed of ${opened}`);

  check('no script element', dom.scripts === 0, `${dom.scripts} found`);
  check('no event-handler attribute', dom.handlers === 0, `${dom.handlers} found`);
  check('no element that can fetch', dom.fetchers === 0, `${dom.fetchers} found`);
  check('no dialog opened', dialogs.length === 0, dialogs.join('; '));
  const foreign = requests.filter((u) => u !== pageUrl);
  check('no request besides the file itself', foreign.length === 0, foreign.join(' '));
  check('no console error', consoleErrors.length === 0, consoleErrors.join(' | '));
  if (dom.bodyText.includes('alert(')) {
    check('hostile markup shown as text', dom.bodyText.includes('<script>alert('));
  }
} catch (err) {
  check('run', false, err && err.stack ? err.stack : String(err));
} finally {
  await browser.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
