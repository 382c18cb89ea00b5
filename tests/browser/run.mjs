// End-to-end test of the Evident dashboard in Debian's Chromium, headless,
// driven by playwright-core (no browser download: it uses /usr/bin/chromium).
//
//   node run.mjs http://127.0.0.1:8080
//
// It opens every page, then the indicator explorer; applies a filter through
// the page's own form; checks that the chart's data and the data table's
// numbers agree before and after, and that they changed; checks the explorer
// with JavaScript switched off; and saves a screenshot.
//
// Environment:
//   EVIDENT_SCREENSHOT   PNG to write (default: out/browser/explorer.png under the repository)
//   EVIDENT_START        explorer path to open first (default: /explorer)
//   EVIDENT_FILTER       filter to apply, name=value (default: sex=F)
//   EVIDENT_MAX_LOAD_MS  slowest acceptable page load (default: 1000)
//   CHROMIUM             browser executable (default: /usr/bin/chromium)
//
// On success it prints one JSON object with what it read (the Rust tests
// compare those numbers with the fixture's, or with the published release's
// CSV when it runs against `evident serve`) and exits 0; on any failed check it
// prints the reason to stderr and exits 1.

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const base = (process.argv[2] || process.env.EVIDENT_URL || '').replace(/\/$/, '');
const screenshot = resolve(process.env.EVIDENT_SCREENSHOT || join(here, '..', '..', 'out', 'browser', 'explorer.png'));
const start = process.env.EVIDENT_START || '/explorer';
const [filterName, filterValue] = (process.env.EVIDENT_FILTER || 'sex=F').split('=');
const maxLoadMs = Number(process.env.EVIDENT_MAX_LOAD_MS || 1000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const PAGES = ['/', '/explorer', '/early-warning', '/data-quality', '/releases', '/kyoto'];

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

// "1,234.5" -> 1234.5; "suppressed" / "not available" -> null.
function parseCell(text) {
  const t = text.trim().replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : null;
}

// A chart's labels and main values, read from Chart.js itself, and the
// matching rows of its data table (the text alternative).
async function readFigure(page, id) {
  return page.evaluate((id) => {
    const figure = document.getElementById(id);
    if (!figure) {
      return null;
    }
    const data = JSON.parse(document.getElementById(id + '-data')?.textContent || 'null');
    const canvas = figure.querySelector('.chart-box canvas');
    const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
    const dataset = chart ? chart.data.datasets.find((d) => d.evidentRole === 'value') : undefined;
    const rows = [...figure.querySelectorAll('table tbody tr')].map((tr) => {
      const cells = [...tr.querySelectorAll('td')];
      const label = cells.find((td) => !td.classList.contains('num'));
      const value = cells.find((td) => td.classList.contains('num'));
      return {
        label: (label || tr.querySelector('th')).textContent.trim(),
        text: value ? value.textContent.trim() : '',
      };
    });
    return {
      decimals: data ? data.decimals : 0,
      chart: dataset ? { labels: [...chart.data.labels], values: [...dataset.data] } : null,
      table: rows,
      caption: figure.querySelector('figcaption')?.textContent.trim() || '',
    };
  }, id);
}

// The chart must show exactly the table's numbers (to the table's rounding),
// with gaps where the table says "suppressed".
function checkAgreement(figure, id) {
  check(figure, `${id}: figure missing`);
  check(figure.chart, `${id}: no chart was drawn`);
  const { labels, values } = figure.chart;
  check(labels.length === figure.table.length, `${id}: chart has ${labels.length} points, table ${figure.table.length} rows`);
  const tolerance = 0.5 * 10 ** -figure.decimals + 1e-9;
  figure.table.forEach((row, i) => {
    check(labels[i] === row.label, `${id}: chart label ${labels[i]} but table row ${row.label}`);
    const shown = parseCell(row.text);
    if (shown === null) {
      check(values[i] === null, `${id} ${row.label}: table says "${row.text}" but the chart has ${values[i]}`);
    } else {
      check(typeof values[i] === 'number' && Math.abs(values[i] - shown) <= tolerance,
        `${id} ${row.label}: table ${row.text} but chart ${values[i]}`);
    }
  });
}

async function main() {
  check(base.startsWith('http'), 'usage: node run.mjs <base URL of a running Evident server>');
  check(existsSync(executablePath), `${executablePath} not found: install Debian's chromium (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'evident-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const problems = [];
  try {
    // Content-Security-Policy violations and script errors fail the test.
    await context.addInitScript(() => {
      window.__evidentViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__evidentViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
      });
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));

    // 1. Every page loads, fast, and draws its charts.
    const pages = {};
    for (const path of PAGES) {
      const response = await page.goto(base + path, { waitUntil: 'load' });
      check(response && response.status() === 200, `${path}: HTTP ${response && response.status()}`);
      const seen = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const boxes = [...document.querySelectorAll('[data-chart]')];
        return {
          loadMs: Math.round(nav.loadEventEnd - nav.startTime),
          charts: boxes.length,
          drawn: boxes.filter((b) => b.getAttribute('data-drawn') === 'true' && b.querySelector('canvas')).length,
          tables: document.querySelectorAll('table').length,
          violations: window.__evidentViolations,
        };
      });
      check(seen.loadMs <= maxLoadMs, `${path}: loaded in ${seen.loadMs} ms, more than ${maxLoadMs} ms`);
      check(seen.drawn === seen.charts, `${path}: ${seen.drawn} of ${seen.charts} charts drawn`);
      check(seen.violations.length === 0, `${path}: CSP violations: ${seen.violations.join('; ')}`);
      pages[path] = { loadMs: seen.loadMs, charts: seen.charts, tables: seen.tables };
    }

    // 2. The explorer before the filter.
    await page.goto(base + start, { waitUntil: 'load' });
    const before = { trend: await readFigure(page, 'trend'), byArea: await readFigure(page, 'by-area') };
    checkAgreement(before.trend, 'trend (before)');
    if (before.byArea) {
      checkAgreement(before.byArea, 'by area (before)');
    }

    // 3. Apply the filter with the form, as a reader would.
    const select = page.locator(`form.filters select[name="${filterName}"]`);
    check(await select.count() === 1, `the explorer has no "${filterName}" filter`);
    await select.selectOption(filterValue);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get(filterName) === filterValue),
      page.locator('form.filters button[type="submit"]').click(),
    ]);
    await page.waitForLoadState('load');
    check(await select.inputValue() === filterValue, `after applying, the ${filterName} filter shows ${await select.inputValue()}`);
    const after = { trend: await readFigure(page, 'trend'), byArea: await readFigure(page, 'by-area') };
    checkAgreement(after.trend, 'trend (after)');
    if (after.byArea) {
      checkAgreement(after.byArea, 'by area (after)');
    }
    const changed = after.trend.chart.values.some((v, i) => v !== before.trend.chart.values[i]);
    check(changed, `the trend did not change when ${filterName}=${filterValue} was applied`);
    check(after.trend.caption !== before.trend.caption, 'the chart description did not change with the filter');

    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });

    // 4. Without JavaScript: the same page still has the table and a working form.
    const nojs = await context.newPage();
    const cdp = await context.newCDPSession(nojs);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    await nojs.goto(base + start, { waitUntil: 'load' });
    await nojs.locator(`form.filters select[name="${filterName}"]`).selectOption(filterValue);
    await Promise.all([
      nojs.waitForURL((url) => url.searchParams.get(filterName) === filterValue),
      nojs.locator('form.filters button[type="submit"]').click(),
    ]);
    const nojsRows = await nojs.$$eval('#trend-table tbody tr', (rows) => rows.map((r) => r.textContent.trim()));
    const canvases = await nojs.locator('canvas').count();
    const hiddenBoxes = await nojs.locator('.chart-box[hidden]').count();
    check(nojsRows.length === after.trend.table.length, `without JavaScript the table has ${nojsRows.length} rows`);
    check(canvases === 0 && hiddenBoxes > 0, 'without JavaScript an empty chart box is visible');
    await nojs.close();

    check(problems.length === 0, `browser reported: ${problems.join(' | ')}`);
    process.stdout.write(JSON.stringify({ pages, before, after, nojs: { rows: nojsRows.length }, screenshot }) + '\n');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`browser test failed: ${e instanceof CheckFailed ? e.message : e.stack || e}\n`);
  process.exit(1);
});
