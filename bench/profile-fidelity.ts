import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuProfile } from '../src/profile/analysis/cpu-profile.js';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { capturePid } from '../src/profile/capture/pid-capture.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { cpuProfileWindow } from './lib/cpuprofile-window.js';
import { PARSE_WORKLOAD, startParseWorkload, type WorkloadMode } from './lib/parse-workload-process.js';
import { argPositive } from './lib/args.js';

/** Functions compared: top N by self time. */
const TOP = 10;
const WARMUP_MS = 3000;
const META = new Set(['(root)', '(idle)', '(program)', '(garbage collector)']);

/** Self-time share (percent of the profile) per function `name url:line`, JavaScript functions only. */
function selfShares(p: CpuProfile): Map<string, number> {
  const a = analyzeProfileBytes(Buffer.from(JSON.stringify(p)), { top: 100_000 });
  if (a.kind !== 'cpu') throw new Error('not a CPU profile');
  return new Map(a.analysis.report.hotspots.filter((h) => !META.has(h.function)).map((h) => [`${h.function} ${h.url}:${h.line}`, h.self_pct]));
}

/** Per-function share of samples (each sample counted once, whatever the gap to the next). */
function countShares(p: CpuProfile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const counts = new Map<string, number>();
  const samples = p.samples ?? [];
  for (const id of samples) {
    const f = byId.get(id)!;
    if (META.has(f.functionName)) continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url}:${f.lineNumber >= 0 ? f.lineNumber + 1 : 0}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].map(([k, c]) => [k, (100 * c) / samples.length]));
}

interface Agreement {
  /** Functions in both top-N lists. */
  readonly shared: number;
  /** Largest difference of self share over the functions of either top-N list, percentage points. */
  readonly maxDiff: number;
  readonly worst: string;
}

function topKeys(shares: Map<string, number>): string[] {
  return [...shares].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP).map(([k]) => k);
}

function agreement(a: Map<string, number>, b: Map<string, number>): Agreement {
  const ta = topKeys(a);
  const tb = new Set(topKeys(b));
  let maxDiff = 0;
  let worst = '';
  for (const k of new Set([...ta, ...tb])) {
    const d = Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
    if (d > maxDiff) {
      maxDiff = d;
      worst = `${k.split(' ')[0]} ${(a.get(k) ?? 0).toFixed(2)} vs ${(b.get(k) ?? 0).toFixed(2)}`;
    }
  }
  return { shared: ta.filter((k) => tb.has(k)).length, maxDiff, worst };
}

function readOnlyProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as CpuProfile;
}

const allowed = [PARSE_WORKLOAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')];

/** The engine's profile of a workload process, recorded through its inspector for `ms`. */
async function engineProfile(pid: number, ms: number): Promise<CpuProfile> {
  const captured = await capturePid(pid, { kind: 'cpu', durationMs: ms, maxBytes: 512 * 1024 * 1024 }, { allowed });
  return JSON.parse(Buffer.from(captured.raw).toString('utf8')) as CpuProfile;
}

interface Measured {
  readonly mode: WorkloadMode;
  readonly same: Agreement;
  readonly sameByCount: Agreement;
  readonly separate: Agreement;
  readonly floor: Agreement;
  readonly samples: readonly [number, number];
}

/**
 * Three runs of one workload: (A) under `node --cpu-prof`, with the engine attached through the
 * inspector for `ms` in the steady phase, both profiles compared over the engine's window; (B) the
 * engine attached to a warm process without `--cpu-prof`; (C) another `--cpu-prof` run, compared
 * with B (separate runs) and with A (the noise floor between two runs of the reference tool).
 */
async function measure(mode: WorkloadMode, ms: number, tmpDir: string, log: (line: string) => void): Promise<Measured> {
  const runMs = ms + 2000;
  const cpuProf = (dir: string): string[] => ['--cpu-prof', '--cpu-prof-interval', '1000', '--cpu-prof-dir', dir];
  log(`${mode}: node --cpu-prof runs the workload, the engine attaches through the inspector for ${ms / 1000} s`);
  const dirA = join(tmpDir, `${mode}-a`);
  const a = await startParseWorkload(cpuProf(dirA), mode, WARMUP_MS, runMs);
  const oursA = await engineProfile(a.pid, ms);
  await a.done;
  const refA = cpuProfileWindow(readOnlyProfile(dirA), oursA.startTime, oursA.endTime);
  log(`${mode}: the engine attaches to a warm process without --cpu-prof; then another node --cpu-prof run`);
  const b = await startParseWorkload([], mode, WARMUP_MS, runMs);
  const oursB = await engineProfile(b.pid, ms);
  await b.done;
  const dirC = join(tmpDir, `${mode}-c`);
  const c = await startParseWorkload(cpuProf(dirC), mode, WARMUP_MS, runMs);
  await c.done;
  const refC = cpuProfileWindow(readOnlyProfile(dirC), c.steadyUs, c.steadyUs + ms * 1000);
  return {
    mode,
    same: agreement(selfShares(oursA), selfShares(refA)),
    sameByCount: agreement(countShares(oursA), countShares(refA)),
    separate: agreement(selfShares(oursB), selfShares(refC)),
    floor: agreement(selfShares(refA), selfShares(refC)),
    samples: [oursA.samples?.length ?? 0, refA.samples?.length ?? 0],
  };
}

function figures(m: Measured, ms: number, judged: boolean): Figure[] {
  const bench = 'profile-fidelity';
  const target = (text: string, met: boolean) => (judged ? { target: text, met } : {});
  return [
    figure({
      bench,
      name: `${m.mode}: top-${TOP} functions by self time shared with node --cpu-prof, same process and window`,
      value: m.same.shared,
      unit: 'functions',
      reference: { name: 'two node --cpu-prof runs with each other', value: m.floor.shared, unit: 'functions' },
      ...target(`>= ${TOP - 1} of ${TOP}`, m.same.shared >= TOP - 1),
      notes: `${m.samples[0]} engine and ${m.samples[1]} --cpu-prof samples in the same ${ms / 1000} s; by sample count instead of time: ${m.sameByCount.shared}/${TOP}, ${m.sameByCount.maxDiff.toFixed(2)} pts`,
    }),
    figure({
      bench,
      name: `${m.mode}: largest self-share difference over those functions, same process and window`,
      value: m.same.maxDiff,
      unit: 'pct points',
      reference: { name: 'two node --cpu-prof runs with each other', value: m.floor.maxDiff, unit: 'pct points' },
      ...target('<= 2 pct points', m.same.maxDiff <= 2),
      notes: `worst: ${m.same.worst}; between the --cpu-prof runs: ${m.floor.worst}`,
    }),
    figure({
      bench,
      name: `${m.mode}: top-${TOP} functions shared, separate runs (engine attached to a warm process, another --cpu-prof run)`,
      value: m.separate.shared,
      unit: 'functions',
      reference: { name: 'two node --cpu-prof runs with each other', value: m.floor.shared, unit: 'functions' },
      notes: `largest difference ${m.separate.maxDiff.toFixed(2)} pts (${m.separate.worst})`,
    }),
  ];
}

const bench: Benchmark = {
  name: 'profile-fidelity',
  description: "the engine's CPU profiles of third-party parsers (yaml on a 1 MB document; acorn on TypeScript's 9 MB compiler) beside node --cpu-prof",
  async run(ctx) {
    const ms = argPositive(ctx.args, '--seconds', 15) * 1000;
    const at = ctx.args.indexOf('--workload');
    const only = at >= 0 ? ctx.args[at + 1] : undefined;
    const out: Figure[] = [];
    // yaml is judged; acorn's profile is so flat (no function above 5%) that its top ten differ between two runs of node --cpu-prof itself.
    for (const mode of ['yaml', 'acorn'] as const) {
      if (only !== undefined && only !== mode) continue;
      out.push(...figures(await measure(mode, ms, ctx.tmpDir, ctx.log), ms, mode === 'yaml'));
    }
    return out;
  },
};

export default bench;
