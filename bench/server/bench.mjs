// Times the dashboard against static copies of its pages (see run.sh).
//   node bench.mjs <evident URL> <static URL>
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = await import(pathToFileURL(join(root, 'tests/browser/node_modules/playwright-core/index.mjs')).href);
const [evident, stat] = process.argv.slice(2);
const PAGES = [
  ['/', '/index.html'],
  ['/explorer', '/explorer.html'],
  ['/early-warning', '/early-warning.html'],
  ['/data-quality', '/data-quality.html'],
  ['/releases', '/releases.html'],
  ['/kyoto', '/kyoto.html'],
];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.95)]; };

async function latency(url, n) {
  for (let i = 0; i < 20; i++) await (await fetch(url)).arrayBuffer();
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const body = await (await fetch(url)).arrayBuffer();
    times.push(performance.now() - t);
    bytes = body.byteLength;
  }
  return { median: median(times), p95: p95(times), bytes };
}

async function throughput(url, workers, ms) {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < end) { await (await fetch(url)).arrayBuffer(); done++; }
  }));
  return done / (ms / 1000);
}

async function loads(context, url, n) {
  const page = await context.newPage();
  const times = [];
  for (let i = 0; i < n; i++) {
    await page.goto(url, { waitUntil: 'load' });
    times.push(await page.evaluate(() => { const e = performance.getEntriesByType('navigation')[0]; return e.loadEventEnd - e.startTime; }));
  }
  await page.close();
  return { first: times[0], warm: median(times.slice(1)) };
}

const f = (x, d = 2) => x.toFixed(d);
console.log('\n== HTTP, one client, 300 sequential requests per page (ms)');
console.log('page            size kB   evident median  p95   static median  p95   ratio');
for (const [path, file] of PAGES) {
  const a = await latency(evident + path, 300);
  const b = await latency(stat + file, 300);
  console.log(`${path.padEnd(15)} ${f(a.bytes / 1000, 1).padStart(7)}   ${f(a.median).padStart(14)} ${f(a.p95).padStart(5)}   ${f(b.median).padStart(13)} ${f(b.p95).padStart(5)}   ${f(a.median / b.median, 1)}x`);
}

console.log('\n== HTTP throughput, 8 concurrent clients, 3 s (requests/s)');
for (const [path, file] of [PAGES[1], PAGES[5]]) {
  const a = await throughput(evident + path, 8, 3000);
  const b = await throughput(stat + file, 8, 3000);
  console.log(`${path.padEnd(15)} evident ${f(a, 0).padStart(6)}   static ${f(b, 0).padStart(6)}   ratio ${f(a / b, 2)}`);
}

const profile = mkdtempSync(join(tmpdir(), 'evident-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
console.log('\n== Chromium page load (navigation start to load event, ms): first visit, then median of 10 reloads');
console.log('page            evident first  warm   static first  warm');
for (const [path, file] of PAGES) {
  const a = await loads(context, evident + path, 11);
  const b = await loads(context, stat + file, 11);
  console.log(`${path.padEnd(15)} ${f(a.first, 0).padStart(13)} ${f(a.warm, 0).padStart(5)}   ${f(b.first, 0).padStart(12)} ${f(b.warm, 0).padStart(5)}`);
}
await context.close();
rmSync(profile, { recursive: true, force: true });
