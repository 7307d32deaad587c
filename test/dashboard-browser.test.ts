import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { parseScenarioSpec } from '../src/tools/simulate/scenario-spec.js';
import { runSimulation } from '../src/tools/simulate/simulation.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, uniqueSchema, waitFor } from './helpers/services.js';

/**
 * The dashboard in a real browser (Debian's chromium) against a running engine fed by the
 * simulator: charts draw, live data arrives over SSE, a bottleneck and a flame graph open, a
 * profile is requested from the page. Screenshots go to artifacts/screenshots (README).
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
    t = await startTestEngine({ PERF_ENGINE_DIAGNOSE_HOLD_SECONDS: '5', PERF_ENGINE_DIAGNOSE_CLEAR_SECONDS: '5' });
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
    // Every request must go to the engine: no external network.
    page.on('request', (r) => {
      if (!r.url().startsWith(t.http)) throw new Error(`request outside the engine: ${r.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    stop.abort();
    await simulation?.catch(() => undefined);
    await t?.stop();
  }, 60_000);

  it('shows every source with health and sparklines, live data arriving over SSE', { timeout: 60_000 }, async () => {
    await waitFor(async () => {
      const body = (await (await fetch(`${t.http}/api/v1/sources`)).json()) as { sources: { source: string }[] };
      return body.sources.some((s) => s.source === hog);
    }, 30_000, 500);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.http}/`);
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
      const body = (await (await fetch(`${t.http}/api/v1/bottlenecks?source=${hog}`)).json()) as { bottlenecks: unknown[] };
      return body.bottlenecks.length > 0;
    }, 75_000, 1000);
    await page.goto(`${t.http}/#/`);
    await page.waitForSelector('#bottlenecks a[href^="#/bottleneck/"]', { timeout: 20_000 });
    await page.click('#bottlenecks a[href^="#/bottleneck/"]');
    await page.waitForSelector('#evidence tr');
    expect(await page.textContent('h1')).toContain('cpu_saturation');
    await page.waitForSelector('#bottleneck-charts .chart:nth-child(2) canvas');
    expect(await page.textContent('#optimizations')).toMatch(/None yet|optimization/);
    // The profile recommendation runs from the page: the engine answers (started, or why not).
    await page.click('#recommendations button');
    await page.waitForSelector('#recommendations .result:text-matches("started|refused")');
    process.stderr.write(`dashboard-browser: recommended profile: ${await page.textContent('#recommendations .result')}\n`);
    await page.screenshot({ path: `${SHOTS}/bottleneck.png`, fullPage: true });
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
      const body = (await (await fetch(`${t.http}/api/v1/profiles`)).json()) as { profiles: { status: string; target: { self?: boolean } }[] };
      return body.profiles.some((p) => p.status === 'completed' && p.target.self === true);
    }, 30_000, 500);
    const second = await fetch(`${t.http}/api/v1/profiles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: { self: true }, duration_seconds: 2 }) });
    expect(second.status).toBe(202);
    await waitFor(async () => {
      const body = (await (await fetch(`${t.http}/api/v1/profiles`)).json()) as { profiles: { status: string; kind: string; target: { self?: boolean } }[] };
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
      const res = await page.request.get(`${t.http}${href}`);
      expect(res.status(), href).toBe(200);
    }
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
});
