import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parsePidStat } from '../src/collect/proc/parse-pid-stat.js';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import type { CpuProfile } from '../src/profile/analysis/cpu-profile.js';
import { DEFAULT_CPU_INTERVAL_US } from '../src/profile/capture/capture-types.js';
import { eagerCpuProfiler } from '../src/profile/capture/eager-cpu-profiler.js';
import { captureInProcess } from '../src/profile/capture/in-process.js';
import { capturePid } from '../src/profile/capture/pid-capture.js';
import { figure, type Benchmark, type Figure } from './figure.js';
import { nowUs, PARSE_WORKLOAD, startParseWorkload, throughput, type WorkloadTick } from './lib/parse-workload-process.js';
import { argPositive } from './lib/args.js';
import { median } from './lib/median.js';

const WARMUP_MS = 3000;
const allowed = [PARSE_WORKLOAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** CPU time of a process's main thread (where JavaScript runs and the sampler interrupts), in USER_HZ ticks. */
function mainThreadTicks(pid: number): number {
  const stat = parsePidStat(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
  if (!stat) throw new Error(`cannot read the main thread of pid ${pid}`);
  return stat.utime + stat.stime;
}

/** One measured window: parses, wall time and main-thread CPU time. */
interface Window {
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

/** The longest turn of the workload's loop reported in the ticks covering `[atUs - 150 ms, atUs + 250 ms]`. */
function gapNear(ticks: readonly WorkloadTick[], atUs: number): number {
  return Math.max(0, ...ticks.filter((t) => t.t_us >= atUs - 150_000 && t.t_us <= atUs + 250_000).map((t) => t.max_gap_ms));
}

/** Longest stall of this process's own loop near a moment, from a 1 ms ticker. */
class LoopGaps {
  readonly #gaps: [number, number][] = [];
  #last = nowUs();
  readonly #timer = setInterval(() => {
    const t = nowUs();
    this.#gaps.push([t, (t - this.#last) / 1000]);
    this.#last = t;
  }, 1);

  /** The longest gap ending within `[atUs - 50 ms, atUs + 250 ms]`, milliseconds. */
  near(atUs: number): number {
    return Math.max(0, ...this.#gaps.filter(([t]) => t >= atUs - 50_000 && t <= atUs + 250_000).map(([, g]) => g));
  }

  /** The median gap, milliseconds (the ticker's own period when nothing blocks). */
  typical(): number {
    return median(this.#gaps.map(([, g]) => g));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** One alternation of unprofiled and profiled windows of the target, through its inspector. */
async function measureTarget(windowMs: number, rounds: number) {
  const runMs = (2 * rounds + 1) * (windowMs + 1500) + 5000;
  const w = await startParseWorkload(['--inspect-port=0'], 'yaml-small', WARMUP_MS, runMs);
  const off: Window[] = [];
  const on: Window[] = [];
  const startStalls: number[] = [];
  const stopStalls: number[] = [];
  // Parses per main-thread CPU second as well: other load on the machine moves wall-clock
  // throughput far more than profiling does. A profiled window's CPU time includes attaching and detaching.
  const measure = async (into: Window[], body: () => Promise<{ fromUs: number; toUs: number }>): Promise<{ fromUs: number; toUs: number }> => {
    const cpu0 = mainThreadTicks(w.pid);
    const call0 = nowUs();
    const span = await body();
    const call1 = nowUs();
    await sleep(300);
    const cpuSeconds = (mainThreadTicks(w.pid) - cpu0) / 100;
    const parses = (throughput(w.ticks, call0, call1) * (call1 - call0)) / 1e6;
    into.push({ perSecond: throughput(w.ticks, span.fromUs, span.toUs), perCpuSecond: parses / cpuSeconds });
    return span;
  };
  const unprofiled = () =>
    measure(off, async () => {
      const fromUs = nowUs();
      await sleep(windowMs);
      return { fromUs, toUs: nowUs() };
    });
  await unprofiled();
  for (let i = 0; i < rounds; i++) {
    const span = await measure(on, async () => {
      const captured = await capturePid(w.pid, { kind: 'cpu', durationMs: windowMs, maxBytes: 256 * 1024 * 1024 }, { allowed });
      const p = JSON.parse(Buffer.from(captured.raw).toString('utf8')) as CpuProfile;
      return { fromUs: p.startTime, toUs: p.endTime };
    });
    startStalls.push(gapNear(w.ticks, span.fromUs));
    stopStalls.push(gapNear(w.ticks, span.toUs));
    await unprofiled();
  }
  w.child.kill();
  return { off, on, startStalls, stopStalls, typicalTurn: median(w.ticks.map((t) => t.max_gap_ms)) };
}

/** Loop stalls of a 2 s CPU profile of this very process (the `self` target, and SDK agents). */
async function measureInProcess() {
  // As an SDK agent does when it starts (the engine's first self profile does it instead).
  eagerCpuProfiler.prepare();
  const gaps = new LoopGaps();
  await sleep(300);
  const t0 = nowUs();
  const self = await captureInProcess({ kind: 'cpu', durationMs: 2000, maxBytes: 256 * 1024 * 1024 });
  const t1 = nowUs();
  await sleep(300);
  gaps.stop();
  const analyzed = analyzeProfileBytes(self.raw);
  return { start: gaps.near(t0), stop: gaps.near(t1), typical: gaps.typical(), nodes: analyzed.kind === 'cpu' ? analyzed.analysis.report.node_count : 0 };
}

const STALL_PROBE = fileURLToPath(new URL('lib/profile-start-stall.mjs', import.meta.url));

interface StartStalls {
  readonly name: string;
  readonly startMs: number;
  readonly stopMs: number;
  readonly prepareMs: number;
  readonly heapMb: number;
  readonly all: readonly number[];
}

/**
 * Median CPU-profile start stall of a fresh process, bare, with the SDK loaded, and with a heap of
 * a million retained objects besides: through the eager profiler the SDK uses (`eager`) and
 * through node:inspector's Profiler.start (`inspector`), each case in both modes.
 */
function measureStartStalls(): { name: string; eager: StartStalls; inspector: StartStalls }[] {
  const sdk = resolve('dist/agent/index.js');
  if (!existsSync(sdk)) throw new Error('profile-overhead: dist/agent/index.js is missing (npm run build)');
  const cases: [string, string[]][] = [
    ['bare node', ['-', '0']],
    ['agent SDK loaded', [pathToFileURL(sdk).href, '0']],
    ['agent SDK + 1 M retained objects', [pathToFileURL(sdk).href, '1000000']],
  ];
  const probe = (name: string, args: string[], mode: string): StartStalls => {
    const out = JSON.parse(execFileSync(process.execPath, [STALL_PROBE, ...args, mode], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as {
      start_ms: number[];
      stop_ms: number[];
      prepare_ms: number;
      heap_used_mb: number;
    };
    return { name, startMs: median(out.start_ms), stopMs: median(out.stop_ms), prepareMs: out.prepare_ms, heapMb: out.heap_used_mb, all: out.start_ms };
  };
  return cases.map(([name, args]) => ({ name, inspector: probe(name, args, 'inspector'), eager: probe(name, args, 'eager') }));
}

const bench: Benchmark = {
  name: 'profile-overhead',
  description: 'throughput of a process parsing YAML while the engine profiles it at the default interval, beside the same process unprofiled; loop stalls at profile start and stop',
  async run(ctx) {
    const windowMs = argPositive(ctx.args, '--window', 4) * 1000;
    const rounds = argPositive(ctx.args, '--rounds', 5);
    ctx.log(`target: node parse-workload.mjs yaml-small; ${rounds} profiled windows of ${windowMs / 1000} s at ${DEFAULT_CPU_INTERVAL_US} µs, alternating with unprofiled ones`);
    const t = await measureTarget(windowMs, rounds);
    ctx.log('in-process (the engine itself, and SDK agents): loop stalls of a 2 s CPU profile of this process');
    const self = await measureInProcess();
    ctx.log('Profiler.start stall in fresh processes (bench/lib/profile-start-stall.mjs): bare, with the agent SDK, with a larger heap');
    const stalls = measureStartStalls();
    const wall = mean(t.on.map((x) => x.perSecond)) / mean(t.off.map((x) => x.perSecond));
    const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
    const bench = 'profile-overhead';
    const turn = { name: 'median longest turn per 100 ms, whole run', value: t.typicalTurn, unit: 'ms' };
    const figures: Figure[] = [
      figure({
        bench,
        name: 'target throughput while profiled at the default interval (through its inspector)',
        value: mean(t.on.map((x) => x.perSecond)),
        unit: 'parses/s',
        reference: { name: 'same process, unprofiled windows between', value: mean(t.off.map((x) => x.perSecond)), unit: 'parses/s' },
        target: '>= 0.95 of unprofiled',
        met: wall >= 0.95,
        notes: `profiled ${fmt(t.on.map((x) => x.perSecond))}; unprofiled ${fmt(t.off.map((x) => x.perSecond))} (alternating windows of ${windowMs / 1000} s)`,
      }),
      figure({
        bench,
        name: "target throughput per main-thread CPU second while profiled (attach and detach included)",
        value: mean(t.on.map((x) => x.perCpuSecond)),
        unit: 'parses/CPU-s',
        reference: { name: 'unprofiled windows', value: mean(t.off.map((x) => x.perCpuSecond)), unit: 'parses/CPU-s' },
        notes: `profiled ${fmt(t.on.map((x) => x.perCpuSecond))}; unprofiled ${fmt(t.off.map((x) => x.perCpuSecond))}`,
      }),
      figure({ bench, name: "longest loop turn of the target around a profile's start (attach, Profiler.start)", value: Math.max(...t.startStalls), unit: 'ms', reference: turn, notes: `per window: ${fmt(t.startStalls)} ms` }),
      figure({ bench, name: "longest loop turn of the target around a profile's stop (Profiler.stop, detach)", value: Math.max(...t.stopStalls), unit: 'ms', reference: turn, notes: `per window: ${fmt(t.stopStalls)} ms` }),
      figure({
        bench,
        name: 'in-process profile (self, SDK agents): longest loop stall at start or stop',
        value: Math.max(self.start, self.stop),
        unit: 'ms',
        reference: { name: 'median turn of a 1 ms ticker', value: self.typical, unit: 'ms' },
        notes: `start ${self.start.toFixed(1)} ms, stop ${self.stop.toFixed(1)} ms (this process: tsx and the engine's modules loaded; ${self.nodes} profile nodes)`,
      }),
      ...stalls.map((c) =>
        figure({
          bench,
          name: `in-process CPU profile start stall, ${c.name} (eager profiler, as the SDK and the engine start one)`,
          value: c.eager.startMs,
          unit: 'ms',
          reference: { name: "node:inspector's Profiler.start, same process make-up", value: c.inspector.startMs, unit: 'ms' },
          target: '< 10 ms',
          met: c.eager.startMs < 10,
          notes: `median of 5 starts: eager ${c.eager.all.join(', ')} ms, inspector ${c.inspector.all.join(', ')} ms; heap used ${c.eager.heapMb} MB; eager prepare (once, at agent start) ${c.eager.prepareMs} ms; stop ${c.eager.stopMs} ms (inspector ${c.inspector.stopMs} ms)`,
        }),
      ),
    ];
    return figures;
  },
};

export default bench;
