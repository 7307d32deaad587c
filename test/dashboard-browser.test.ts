import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { insertAnomalies } from '../src/detect/stage/anomaly-log.js';
import type { Anomaly } from '../src/detect/stream/detection-events.js';
import { openPgDb } from '../src/store/pg-db.js';
import { parseScenarioSpec } from '../src/tools/simulate/scenario-spec.js';
import { runSimulation } from '../src/tools/simulate/simulation.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, PG_URL, uniqueSchema, waitFor } from './helpers/services.js';

/**
 * The dashboard in a real browser (Debian's chromium) against a running engine fed by the
 * simulator, with a read token set: the page asks for the token, then charts draw, live data
 * arrives over SSE (read with fetch, carrying the token), a bottleneck and a flame graph open, a
 * profile is requested from the page, stored reports are listed and downloaded. Screenshots go to
 * artifacts/screenshots (README).
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'artifacts/screenshots';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`dashboard-browser: ${CHROMIUM} not found, skipping (install Debian package chromium)\n`);
const built = existsSync('dist/web/app.js') && existsSync('dist/tools/simulate/agent-main.js');
if (!built) process.stderr.write('dashboard-browser: dist/ not built, skipping (npm run build)\n');

let t: TestEngine;
let browser: Browser;
let page: Page;
let simulation: Promise<unknown>;
const stop = new AbortController();
const agentPrefix = uniqueSchema('dash').replace(/_/g, '-');
const hog = `${agentPrefix}-0`;
const TOKEN = 'dashboard-read-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** A GET of the engine's API with the read token, as JSON. */
const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${t.http}${path}`, { headers: AUTH })).json()) as T;

// Browser types used inside page callbacks: the project compiles without the DOM lib.
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/** Non-blank pixels of the first canvas matching `selector`: proof the chart drew. */
async function inkedPixels(p: Page, selector: string): Promise<number> {
  return p.$eval(selector, (c) => {
    const canvas = c as unknown as Canvas2d;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });
}

const liveUpdates = async (p: Page) => Number((await p.getAttribute('#live-state', 'data-updates')) ?? 0);

describe.skipIf(!hasChromium || !built)('dashboard in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestEngine({
      PERF_ENGINE_DIAGNOSE_HOLD_SECONDS: '5',
      PERF_ENGINE_DIAGNOSE_CLEAR_SECONDS: '5',
      PERF_ENGINE_HTTP_READ_TOKEN: TOKEN,
      // A stored report every 20 s for the reports page.
      PERF_ENGINE_REPORT_SCHEDULE: '*/20 * * * * *',
      PERF_ENGINE_REPORT_PERIOD: '1h',
    });
    const { config } = loadConfig({ env: { NATS_URL, PERF_ENGINE_NATS_SUBJECT_PREFIX: t.prefix, PERF_ENGINE_LOG_LEVEL: 'warn' } });
    simulation = runSimulation(
      { agents: 2, durationS: 120, rate: 60, scenarios: [parseScenarioSpec('cpu_hog@12+100:0')], truthFile: null, agentPrefix, metricsIntervalMs: 500, orders: 1000, agentLogs: false },
      { config, log: () => undefined, stop: stop.signal, force: new AbortController().signal },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Every request must go to the engine (no external network), and none carries the token in its URL.
    page.on('request', (r) => {
      if (!r.url().startsWith(t.http)) throw new Error(`request outside the engine: ${r.url()}`);
      if (r.url().includes(TOKEN)) throw new Error(`token in a URL: ${r.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    stop.abort();
    await simulation?.catch(() => undefined);
    await t?.stop();
  }, 60_000);

  it('asks for the read token, then shows every source with health and sparklines, live data arriving over SSE', { timeout: 60_000 }, async () => {
    await waitFor(async () => (await getJson<{ sources: { source: string }[] }>('/api/v1/sources')).sources.some((s) => s.source === hog), 30_000, 500);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.http}/`);
    await page.waitForSelector('#auth-needed');
    await page.screenshot({ path: `${SHOTS}/token-needed.png` });
    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button[type=submit]');
    expect(await page.textContent('#token-state')).toBe('token set');
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(1);
    await page.waitForSelector(`#sources tr[data-source="${hog}"] .spark canvas`, { timeout: 20_000 });
    await waitFor(async () => (await liveUpdates(page)) >= 2, 15_000, 200);
    await waitFor(async () => (await page.textContent(`#sources tr[data-source="${hog}"] td.health`)) !== 'waiting', 10_000, 200);
    expect(await inkedPixels(page, `#sources tr[data-source="${hog}"] .spark canvas`)).toBeGreaterThan(20);
    await page.screenshot({ path: `${SHOTS}/overview.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('opens a source page whose charts draw and grow with live data', { timeout: 60_000 }, async () => {
    await page.click(`#sources a[href="#/source/${hog}"]`);
    await page.waitForSelector('#charts .chart canvas', { timeout: 20_000 });
    const before = await liveUpdates(page);
    await waitFor(async () => (await liveUpdates(page)) >= before + 2, 15_000, 200);
    expect(await page.$$eval('#charts .chart', (els) => els.length)).toBeGreaterThan(3);
    expect(await inkedPixels(page, '#charts .chart canvas')).toBeGreaterThan(500);
    await page.click('.ranges a:text-is("5m")');
    await page.waitForSelector('.ranges a.active:text-is("5m")');
    await page.waitForSelector('#charts .chart canvas');
    await page.screenshot({ path: `${SHOTS}/source.png`, fullPage: true });
  });

  it('clicks through to the bottleneck the simulator caused: evidence, timeline, recommendations', { timeout: 90_000 }, async () => {
    await waitFor(async () => {
      const body = await getJson<{ bottlenecks: unknown[] }>(`/api/v1/bottlenecks?source=${hog}`);
      return body.bottlenecks.length > 0;
    }, 75_000, 1000);
    await page.goto(`${t.http}/#/`);
    await page.waitForSelector('#bottlenecks a[href^="#/bottleneck/"]', { timeout: 20_000 });
    await page.click('#bottlenecks a[href^="#/bottleneck/"]');
    await page.waitForSelector('#evidence tr');
    expect(await page.textContent('h1')).toContain('cpu_saturation');
    // Nested evidence reads as key/value tables, not raw JSON.
    expect(await page.textContent('#evidence')).not.toMatch(/[{"]/);
    await page.waitForSelector('#bottleneck-charts .chart:nth-child(2) canvas');
    expect(await page.textContent('#optimizations')).toMatch(/None yet|optimization/);
    // The profile recommendation runs from the page: the engine answers (started, or why not).
    await page.click('#recommendations button');
    await page.waitForSelector('#recommendations .result:text-matches("started|refused")');
    process.stderr.write(`dashboard-browser: recommended profile: ${await page.textContent('#recommendations .result')}\n`);
    await page.screenshot({ path: `${SHOTS}/bottleneck.png`, fullPage: true });
    // Flagged samples are ringed on the source page's charts. The detector is still warming up in
    // a test this short (test/api-anomalies.test.ts covers their storage), so three samples of the
    // first chart are stored as anomaly events here, as the anomaly log stores them.
    await page.goto(`${t.http}/#/source/${hog}/15m`);
    const metric = (await (await page.waitForSelector('#charts .chart[data-metric]')).getAttribute('data-metric'))!;
    const recent = (await getJson<{ samples: { timestamp: string; value: number }[] }>(`/api/v1/series?source=${hog}&metric=${metric}&since=2m`)).samples.slice(-40).filter((_, i) => i % 15 === 0);
    const db = await openPgDb({ url: PG_URL, schema: t.schema, poolSize: 1 });
    await insertAnomalies(db, recent.map((x) => ({ source: hog, metric, timestamp: Date.parse(x.timestamp), value: x.value, score: 0.9, detail: { direction: 'above', cause: 'spike', baseline: x.value / 2 } as unknown as Anomaly['detail'] })));
    await db.close();
    await page.reload();
    await page.waitForSelector('#charts .chart canvas');
    expect(await page.textContent('main p.muted')).toContain(`${recent.length} anomalies`);
    await page.screenshot({ path: `${SHOTS}/source-anomalies.png`, fullPage: true });
  });

  it('requests a profile from the page, opens its flame graph, zooms, offers every download and diffs two profiles', { timeout: 90_000 }, async () => {
    await page.goto(`${t.http}/#/profiles`);
    await page.waitForSelector('#request-profile');
    await page.fill('#request-profile input[name=duration]', '2');
    await page.click('#request-profile button[type=submit]');
    await page.waitForSelector('#request-result:has-text("started")');
    // A second one through the API, for the diff.
    await waitFor(async () => {
      // The recommended agent profile (30 s) may still be recording: count completed ones.
      const body = await getJson<{ profiles: { status: string; target: { self?: boolean } }[] }>('/api/v1/profiles');
      return body.profiles.some((p) => p.status === 'completed' && p.target.self === true);
    }, 30_000, 500);
    const second = await fetch(`${t.http}/api/v1/profiles`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: JSON.stringify({ target: { self: true }, duration_seconds: 2 }) });
    expect(second.status).toBe(202);
    await waitFor(async () => {
      const body = await getJson<{ profiles: { status: string; kind: string; target: { self?: boolean } }[] }>('/api/v1/profiles');
      return body.profiles.filter((p) => p.status === 'completed' && p.kind === 'cpu' && p.target.self === true).length >= 2;
    }, 30_000, 500);
    // Same hash as before: reload to list the new profiles.
    await page.reload();
    await page.waitForSelector('#profiles a[href^="#/profile/"]');
    const boxes = await page.$$('#profiles input[type=checkbox]');
    await boxes[0]!.check();
    await boxes[1]!.check();
    const diffHref = await page.getAttribute('#diff-link', 'href');
    expect(diffHref).toMatch(/^#\/diff\/[0-9a-f-]+\/[0-9a-f-]+$/);
    await page.click('#profiles a[href^="#/profile/"]');
    await page.waitForSelector('#flame .frame');
    expect(await page.$$eval('#flame .frame', (f) => f.length)).toBeGreaterThan(5);
    const formats = await page.$$eval('#downloads a', (as) => as.map((a) => a.textContent));
    expect(formats).toEqual(['raw', 'cpuprofile', 'pprof', 'speedscope', 'collapsed', 'svg', 'html']);
    for (const href of await page.$$eval('#downloads a', (as) => as.map((a) => a.getAttribute('href')!))) {
      expect((await page.request.get(`${t.http}${href}`)).status(), href).toBe(401);
      expect((await page.request.get(`${t.http}${href}`, { headers: AUTH })).status(), href).toBe(200);
    }
    // With the token set, a click downloads through fetch (a link cannot send the header).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a:text-is("collapsed")')]);
    expect(download.suggestedFilename()).toMatch(/collapsed|\.txt$/);
    await page.screenshot({ path: `${SHOTS}/flame.png`, fullPage: true });
    // Zoom into a frame two levels down: its callers stay above it, dimmed.
    await page.click('#flame .frame[data-depth="2"]');
    await page.waitForSelector('#flame .frame.ancestor');
    expect(await page.$$eval('#flame .frame.ancestor', (f) => f.length)).toBe(2);
    await page.screenshot({ path: `${SHOTS}/flame-zoomed.png`, fullPage: true });
    await page.goto(`${t.http}/${diffHref}`);
    await page.waitForSelector('#flame .frame');
    await page.screenshot({ path: `${SHOTS}/diff.png`, fullPage: true });
  });

  it('lists the stored reports with their period and formats, and downloads one with the token', { timeout: 60_000 }, async () => {
    await waitFor(async () => (await getJson<{ reports: unknown[] }>('/api/v1/reports')).reports.length > 0, 30_000, 500);
    await page.goto(`${t.http}/#/reports`);
    await page.waitForSelector('#reports tr[data-report]');
    expect(await page.$$eval('#reports tr[data-report] td.downloads a', (as) => as.map((a) => a.textContent))).toEqual(expect.arrayContaining(['html', 'md', 'json']));
    expect(await page.textContent('#reports tr[data-report]')).toMatch(/schedule report .*1 h: /);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#reports tr[data-report] a:text-is("html")')]);
    expect(download.suggestedFilename()).toMatch(/^report-[0-9a-f-]+\.html$/);
    expect(readFileSync(await download.path(), 'utf8')).toMatch(/^<!doctype html>/i);
    await page.screenshot({ path: `${SHOTS}/reports.png`, fullPage: true });
  });
});
