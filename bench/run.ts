import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from './figure.js';

/** The install list of benchmarks: name -> module path. */
const BENCHMARKS: Record<string, () => Promise<{ default: Benchmark }>> = {
  ingest: () => import('./ingest.js'),
  history: () => import('./history.js'),
  validate: () => import('./validate.js'),
  nab: () => import('./nab.js'),
  detect: () => import('./detect.js'),
  'detect-stream': () => import('./detect-stream.js'),
  collect: () => import('./collect.js'),
  'profile-analysis': () => import('./profile-analysis.js'),
  'profile-fidelity': () => import('./profile-fidelity.js'),
  'profile-overhead': () => import('./profile-overhead.js'),
  'sdk-overhead': () => import('./sdk-overhead.js'),
  'sdk-instructions': () => import('./sdk-instructions.js'),
  diagnose: () => import('./diagnose.js'),
  'property-fuzz': () => import('./property-fuzz.js'),
  soak: () => import('./soak.js'),
  'optimize-calibration': () => import('./optimize-calibration.js'),
  'optimize-cost': () => import('./optimize-cost.js'),
  report: () => import('./report.js'),
  partitions: () => import('./partitions.js'),
};

function usage(): string {
  return [
    'usage: npm run bench -- [--json] [NAME...] [-- extra args]',
    `benchmarks: ${Object.keys(BENCHMARKS).join(', ')}`,
  ].join('\n');
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

function printTable(figures: Figure[]): void {
  for (const f of figures) {
    const ref = f.reference
      ? `  ref: ${f.reference.name} = ${formatNumber(f.reference.value)} ${f.reference.unit}`
      : '';
    const ratio = f.ratio !== undefined ? `  ratio ${f.ratio.toFixed(2)}x` : '';
    const target = f.target ? `  target ${f.target}: ${f.met ? 'met' : 'NOT met'}` : '';
    process.stdout.write(`[${f.bench}] ${f.name}: ${formatNumber(f.value)} ${f.unit}${ref}${ratio}${target}\n`);
    if (f.notes) process.stdout.write(`    ${f.notes}\n`);
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  const extra = sep >= 0 ? argv.slice(sep + 1) : [];
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const json = own.includes('--json');
  const names = own.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n${usage()}\n`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  let failed = false;
  for (const name of selected) {
    const tmpDir = mkdtempSync(join(tmpdir(), `perf-bench-${name}-`));
    try {
      const mod = await BENCHMARKS[name]!();
      process.stderr.write(`== ${name}: ${mod.default.description}\n`);
      const figures = await mod.default.run({
        log: (line) => process.stderr.write(`  ${line}\n`),
        tmpDir,
        args: extra,
      });
      if (json) for (const f of figures) process.stdout.write(`${JSON.stringify(f)}\n`);
      else printTable(figures);
    } catch (err) {
      failed = true;
      process.stderr.write(`benchmark ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  return failed ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
});
