import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../src/cli/cli-error.js';
import profileCommand, { addProfileAnalysisCommands } from '../src/cli/profile-offline.js';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/profile/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'profile-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out: string;
let err: string;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

/** Runs `perf-engine profile ...` in process as main.ts does; returns the exit code and the one-line error. */
async function run(...args: string[]): Promise<{ code: number; message?: string }> {
  const program = new Command('perf-engine').exitOverride().configureOutput({ writeErr: (t) => (err += t), writeOut: (t) => (out += t) });
  program.addCommand(profileCommand().exitOverride());
  try {
    await program.parseAsync(['node', 'perf-engine', 'profile', ...args]);
    return { code: 0 };
  } catch (e) {
    if (e instanceof CommanderError) return { code: 2, message: e.message };
    if (e instanceof CliError) return { code: e.exitCode, message: e.message };
    throw e;
  }
}

describe('perf-engine profile analyze', () => {
  it('prints PROTOCOL.md hotspots heaviest self first with --json, plus hot paths and totals', async () => {
    expect(await run('analyze', fixture('workload-before.cpuprofile'), '--json', '--top', '5')).toEqual({ code: 0 });
    const report = JSON.parse(out) as { hotspots: Record<string, unknown>[]; hot_paths: unknown[]; totals: object; kind: string };
    expect(report.kind).toBe('cpu');
    expect(report.hotspots).toHaveLength(5);
    for (const h of report.hotspots) expect(Object.keys(h)).toEqual(['function', 'url', 'line', 'self_ms', 'self_pct', 'total_ms', 'total_pct']);
    const selves = report.hotspots.map((h) => h.self_ms as number);
    expect([...selves].sort((a, b) => b - a)).toEqual(selves);
    expect(report.hotspots[0]!.function).toBe('parseOrders');
    expect(report.hot_paths.length).toBeGreaterThan(0);
  });

  it('prints a readable table without --json', async () => {
    await run('analyze', fixture('workload-before.cpuprofile'), '--top', '3');
    expect(out).toMatch(/self ms\s+self %\s+total ms\s+total %\s+function/);
    expect(out).toMatch(/parseOrders\s+file:.*workload\.mjs:16/);
    expect(out).toMatch(/Hot paths/);
  });

  it('analyses a heap profile and writes its flame graph', async () => {
    const svg = join(dir, 'heap.svg');
    expect(await run('analyze', fixture('workload.heapprofile'), '--out', svg)).toEqual({ code: 0 });
    expect(out).toMatch(/Top allocation sites/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml[\s\S]*<\/svg>\n$/);
  });

  it.each([
    ['pprof', 'cpu.pb.gz', (b: Buffer) => b[0] === 0x1f && b[1] === 0x8b],
    ['speedscope', 'cpu.speedscope.json', (b: Buffer) => b.toString().includes('"$schema":"https://www.speedscope.app/file-format-schema.json"')],
    ['collapsed', 'cpu.folded', (b: Buffer) => /^\S.* \d+\n/.test(b.toString())],
    ['cpuprofile', 'cpu.cpuprofile', (b: Buffer) => b.toString().startsWith('{"nodes":[')],
    ['html', 'cpu.html', (b: Buffer) => b.toString().startsWith('<!DOCTYPE html>')],
  ])('writes --format %s', async (format, name, check) => {
    const file = join(dir, name);
    expect(await run('analyze', fixture('workload-before.cpuprofile'), '--format', format, '--out', file, '--json')).toEqual({ code: 0 });
    expect(check(readFileSync(file))).toBe(true);
    expect(() => JSON.parse(out) as unknown).not.toThrow();
  });

  it.each([
    [['analyze', '/no/such/file.cpuprofile'], 1, /no\/such\/file.cpuprofile: cannot read \(ENOENT\)/],
    [['analyze', fixture('workload-before.cpuprofile'), '--top', '0'], 2, /--top must be a positive integer/],
    [['analyze', fixture('workload-before.cpuprofile'), '--format', 'png', '--out', 'x.png'], 2, /unknown --format "png"/],
    [['analyze', fixture('workload-before.cpuprofile'), '--format', 'svg'], 2, /--format needs --out/],
    [['analyze', fixture('workload-before.cpuprofile'), '--out', 'x.bin'], 2, /cannot tell the format/],
    [['analyze', fixture('workload.heapprofile'), '--format', 'cpuprofile', '--out', 'x.cpuprofile'], 2, /heap profile cannot be written as cpuprofile/],
    [['diff', fixture('workload-before.cpuprofile'), fixture('workload.heapprofile')], 2, /cannot compare a cpu profile with a heap profile/],
    [['diff', fixture('workload-before.cpuprofile'), fixture('workload-after.cpuprofile'), '--out', 'x.png'], 2, /--out must end in .svg or .html/],
    [['analyze'], 2, /missing required argument/],
  ])('fails on %j with a one-line reason', async (args, code, reason) => {
    const result = await run(...args);
    expect(result.code).toBe(code);
    expect(result.message).toMatch(reason);
    expect(result.message).not.toMatch(/\n/);
  });

  it('fails on a malformed file, naming it', async () => {
    const bad = join(dir, 'bad.cpuprofile');
    writeFileSync(bad, '{"nodes":[{"id":1,');
    const result = await run('analyze', bad);
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/bad\.cpuprofile: malformed JSON at byte \d+/);
  });
});

describe('perf-engine profile diff', () => {
  it('lists the largest changes first and writes a differential flame graph', async () => {
    const svg = join(dir, 'diff.svg');
    const result = await run('diff', fixture('workload-before.cpuprofile'), fixture('workload-after.cpuprofile'), '--json', '--out', svg);
    expect(result).toEqual({ code: 0 });
    const { changes } = JSON.parse(out) as { changes: { function: string; delta_pct: number }[] };
    const sizes = changes.map((c) => Math.abs(c.delta_pct));
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    expect(changes.find((c) => c.function === 'fib')!.delta_pct).toBeLessThan(-3);
    expect(readFileSync(svg, 'utf8')).toMatch(/red = self share grew/);
  });
});

describe('the profile command', () => {
  it('lets the capture options be declared on the same command beside analyze and diff', async () => {
    const profile = new Command('profile').option('--self').exitOverride();
    addProfileAnalysisCommands(profile);
    expect(profile.commands.map((c) => c.name())).toEqual(['analyze', 'diff']);
    expect(profile.options.map((o) => o.long)).toEqual(['--self']);
  });
});
