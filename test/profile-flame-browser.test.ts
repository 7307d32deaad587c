import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeProfileBytes, type AnalyzedProfile } from '../src/profile/analysis/analyze-profile.js';
import { diffCallTrees } from '../src/profile/analysis/profile-diff.js';
import { exportProfile } from '../src/profile/export/export-profile.js';
import { renderFlameHtml } from '../src/profile/render/flame-html.js';
import { flameFromDiff } from '../src/profile/render/flame-model.js';

// Browser globals used inside page.evaluate callbacks: the project compiles without the DOM lib.
interface XmlDoc {
  documentElement: { nodeName: string };
  getElementsByTagName(tag: string): { length: number };
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
}
declare const document: { documentElement: { getAttribute(name: string): string | null } };
declare function getComputedStyle(el: unknown): { backgroundColor: string };
declare const DOMParser: new () => { parseFromString(text: string, type: string): XmlDoc };

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`profile-flame-browser: ${CHROMIUM} not found, skipping (install Debian package chromium)\n`);

const load = (name: string): AnalyzedProfile => analyzeProfileBytes(readFileSync(new URL(`fixtures/profile/${name}`, import.meta.url)));

describe.skipIf(!hasChromium)('flame graphs in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'flame-browser-'));

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5000);
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (name: string, html: string): Promise<void> => {
    const file = join(dir, name);
    writeFileSync(file, html);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    expect(errors).toEqual([]);
  };

  const frameBox = async (label: string) => {
    const el = page.locator('#chart .f', { hasText: new RegExp(`^${label}$`) }).first();
    return el.boundingBox();
  };

  it('renders the CPU flame graph with the root spanning the chart', async () => {
    await open('cpu.html', exportProfile(load('workload-before.cpuprofile'), 'html', 'workload') as string);
    expect(await page.locator('#chart .f').count()).toBeGreaterThan(10);
    const chart = await page.locator('#chart').boundingBox();
    const root = await page.locator('#chart .f[data-i="0"]').boundingBox();
    expect(root!.width).toBeGreaterThan(chart!.width * 0.98);
    expect(await page.locator('#chart .f[data-i="0"]').getAttribute('title')).toMatch(/^\(root\)\ntotal/);
  });

  it('highlights the frames a search matches and reports their share', async () => {
    await page.fill('#search', 'fib');
    const matched = page.locator('#chart .f.m');
    expect(await matched.count()).toBeGreaterThan(1);
    for (const title of await matched.evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))) expect(title).toMatch(/fib/);
    expect(await page.locator('#status').textContent()).toMatch(/matching frames, \d+\.\d+% of the total/);
    const bg = await matched.first().evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(bg).toBe('rgb(230, 0, 230)');
    await page.screenshot({ path: join(dir, 'search.png') });
  });

  it('zooms into a clicked frame and resets', async () => {
    const before = await frameBox('sortOrders');
    expect(before!.width).toBeLessThan(700);
    await page.locator('#chart .f', { hasText: /^sortOrders$/ }).first().click();
    const focus = await page.evaluate(() => document.documentElement.getAttribute('data-focus'));
    expect(focus).not.toBe('0');
    const after = await frameBox('sortOrders');
    const chart = await page.locator('#chart').boundingBox();
    expect(after!.width).toBeGreaterThan(chart!.width * 0.98);
    expect(await page.locator('#chart .f', { hasText: /^parseOrders$/ }).count()).toBe(0);
    await page.screenshot({ path: join(dir, 'zoom.png') });
    await page.click('#reset');
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-focus'))).toBe('0');
    expect(await page.locator('#chart .f.m').count()).toBe(0);
    expect(await page.locator('#chart .f', { hasText: /^parseOrders$/ }).count()).toBe(1);
  });

  it('renders the differential flame graph with grown frames red and shrunk frames blue', async () => {
    const a = load('workload-before.cpuprofile');
    const b = load('workload-after.cpuprofile');
    if (a.kind !== 'cpu' || b.kind !== 'cpu') throw new Error('fixtures are not CPU profiles');
    await open('diff.html', renderFlameHtml(flameFromDiff(diffCallTrees(a.analysis.callTree, b.analysis.callTree))));
    const colour = async (label: string): Promise<number[]> => {
      const css = await page.locator(`#chart .f[title^="${label} ("]`).first().evaluate((e) => getComputedStyle(e).backgroundColor);
      return (css.match(/\d+/g) ?? []).map(Number);
    };
    const [r1, , b1] = await colour('parseOrders');
    expect(r1).toBeGreaterThan(b1!);
    const [r2, , b2] = await colour('totals');
    expect(b2).toBeGreaterThan(r2!);
  });

  it('parses the SVG flame graph as XML, with a <title> tooltip per frame', async () => {
    const svg = exportProfile(load('workload-before.cpuprofile'), 'svg', 'workload <&> "svg"') as string;
    const result = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.nodeName,
        frames: doc.querySelectorAll('g > title').length,
        rects: doc.querySelectorAll('g > rect').length,
        heading: doc.querySelector('text.title')?.textContent,
      };
    }, svg);
    expect(result).toMatchObject({ error: 0, root: 'svg', heading: 'workload <&> "svg"' });
    expect(result.frames).toBeGreaterThan(10);
    expect(result.frames).toBe(result.rects);
    const file = join(dir, 'cpu.svg');
    writeFileSync(file, svg);
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: join(dir, 'svg.png') });
  });
});
