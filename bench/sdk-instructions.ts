import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { drive, startAgent, type AgentChild } from './lib/sdk-agent.js';
import { BENCH_NATS_URL, uniqueName } from './lib/services.js';
import { argPositive, argString } from './lib/args.js';
import { DEFAULT_TIMED_PER_SECOND, samplingPeriod } from '../src/agent/instrumentation/work-stats.js';
import { median } from './lib/median.js';

/**
 * The SDK's cost in instructions, counted by valgrind's callgrind: repeatable where the
 * wall-clock capacity bench (sdk-overhead) moves by a few percent from run to run. Each agent runs
 * alone under callgrind; its counters are zeroed and dumped around an idle spell (what its timers
 * cost per second) and around a fixed number of requests (what a request costs, the timers' share
 * taken out). Instructions are not time (cache misses, branch misses and the clock reads' own
 * latency are not in them), so this is a second view beside the wall-clock one, not a substitute.
 */

interface Variant {
  /** What `--variants` names it by. */
  readonly id: string;
  readonly name: string;
  readonly instrumented: boolean;
  readonly prepareCpu: boolean;
  /** The agent's `timedCallsPerSecond`, when not the SDK's default. */
  readonly timedCallsPerSecond?: number;
}

const TIMED_ALL = 'instrumented, every call timed';
const TIMED_NONE = 'instrumented, no call timed';

/**
 * The agents counted. Under callgrind an agent serves about a thousand requests a second, so it
 * times most calls, where at its native rate it times one in hundreds. The two `timing` variants
 * time every call and none, and the figure at native sampling interpolates between them at the
 * fraction timed natively (the timing's cost is per timed call).
 */
const VARIANTS: readonly Variant[] = [
  { id: 'plain', name: 'plain', instrumented: false, prepareCpu: false },
  { id: 'instrumented', name: 'instrumented', instrumented: true, prepareCpu: true },
  { id: 'timing', name: TIMED_ALL, instrumented: true, prepareCpu: true, timedCallsPerSecond: 1e9 },
  { id: 'timing', name: TIMED_NONE, instrumented: true, prepareCpu: true, timedCallsPerSecond: 1e-9 },
  { id: 'unprepared', name: 'instrumented, CPU profiler not prepared', instrumented: true, prepareCpu: false },
];

/** A variant's median count, and its instructions per request at the plain agent's native rate, timers included. */
interface Cost {
  readonly perRequest: number;
  readonly idlePerSecond: number;
  readonly atCapacity: number;
}

interface Count {
  /** Instructions per request, the timers' share per wall second taken out. */
  readonly perRequest: number;
  /** Instructions per wall second of an idle agent (its timers). */
  readonly idlePerSecond: number;
}

/** Zeroes the callgrind counters of `pid` (all its threads). */
function zero(pid: number): void {
  execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
}

/** Dumps the counters of `pid` and returns the instructions counted since the last zero. */
async function dumpInstructions(pid: number, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.startsWith(`cg.${pid}.`));
    for (const f of fresh) {
      const m = /^summary: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) return Number(m[1]);
    }
    if (Date.now() > deadline) throw new Error(`callgrind wrote no dump for ${pid} in ${dir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function countVariant(ctx: BenchContext, nc: NatsConnection, prefix: string, v: Variant, k: number, opts: { warmup: number; requests: number; idleS: number; dir: string }): Promise<Count> {
  const id = `i${k}`;
  const agent: AgentChild = await startAgent(id, prefix, v.instrumented, v.prepareCpu, {
    ...(v.timedCallsPerSecond !== undefined ? { timedCallsPerSecond: v.timedCallsPerSecond } : {}),
    wrapper: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(opts.dir, 'cg.%p')}`, '--dump-instr=no', '--dump-line=no', '--log-file=/dev/null'],
    startTimeoutMs: 300_000,
  });
  const pid = agent.child.pid!;
  const subject = `${prefix}bench.${id}.order`;
  try {
    await drive(nc, subject, 8, { requests: opts.warmup }, 60_000);
    zero(pid);
    await new Promise((r) => setTimeout(r, opts.idleS * 1000));
    const idle = await dumpInstructions(pid, opts.dir);
    const idlePerSecond = idle / opts.idleS;
    zero(pid);
    const t0 = performance.now();
    await drive(nc, subject, 8, { requests: opts.requests }, 60_000);
    const loaded = await dumpInstructions(pid, opts.dir);
    const seconds = (performance.now() - t0) / 1000;
    const perRequest = (loaded - idlePerSecond * seconds) / opts.requests;
    ctx.log(`${v.name}: ${Math.round(perRequest).toLocaleString('en-US')} instructions per request (${opts.requests} in ${seconds.toFixed(1)} s under callgrind), ${Math.round(idlePerSecond).toLocaleString('en-US')} per idle second`);
    return { perRequest, idlePerSecond };
  } finally {
    await agent.stop();
  }
}

/** Requests per CPU-second of the plain agent, natively (weighs the timers' per-second cost against requests). */
async function nativeRate(nc: NatsConnection, prefix: string): Promise<number> {
  const agent = await startAgent('n0', prefix, false);
  try {
    const subject = `${prefix}bench.n0.order`;
    await drive(nc, subject, 32, { ms: 1500 });
    const before = await agent.cpu();
    await drive(nc, subject, 32, { ms: 3000 });
    const after = await agent.cpu();
    return ((after.served - before.served) * 1e6) / (after.cpuUs - before.cpuUs);
  } finally {
    await agent.stop();
  }
}

const sdkInstructions: Benchmark = {
  name: 'sdk-instructions',
  description: 'SDK instrumentation cost in instructions per request (valgrind callgrind), repeatable, against the same agent uninstrumented',
  async run(ctx: BenchContext): Promise<Figure[]> {
    try {
      execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
    }
    // --keep DIR keeps callgrind's dumps there (cg.<pid>.1 idle, cg.<pid>.2 the requests), for callgrind_annotate.
    const dir = argString(ctx.args, '--keep') ?? ctx.tmpDir;
    const opts = { warmup: argPositive(ctx.args, '--warmup', 20000), requests: argPositive(ctx.args, '--requests', 5000), idleS: argPositive(ctx.args, '--idle-seconds', 3), dir };
    const repeats = argPositive(ctx.args, '--repeats', 2);
    const prefix = `${uniqueName('sdki')}.`;
    const nc = await connect({ servers: BENCH_NATS_URL });
    try {
      const rate = await nativeRate(nc, prefix);
      ctx.log(`plain agent natively: ${Math.round(rate).toLocaleString('en-US')} requests per CPU-second`);
      const counts = new Map<string, Count[]>();
      let k = 0;
      // --variants instrumented,timing,unprepared (default: all) chooses the agents counted beside the plain one.
      const wanted = argString(ctx.args, '--variants')?.split(',') ?? null;
      const variants = VARIANTS.filter((v) => v.id === 'plain' || wanted === null || wanted.includes(v.id));
      for (let r = 0; r < repeats; r++) {
        for (const v of variants) {
          const c = await countVariant(ctx, nc, prefix, v, k++, opts);
          counts.set(v.name, [...(counts.get(v.name) ?? []), c]);
        }
      }
      const at = (name: string): Cost & { runs: string } => {
        const cs = counts.get(name)!;
        const perRequest = median(cs.map((c) => c.perRequest));
        const idlePerSecond = median(cs.map((c) => c.idlePerSecond));
        return { perRequest, idlePerSecond, atCapacity: perRequest + idlePerSecond / rate, runs: cs.map((c) => Math.round(c.perRequest).toLocaleString('en-US')).join(', ') };
      };
      const plain = at('plain');
      const settings = `${opts.requests} requests after ${opts.warmup} of warm-up, 8 outstanding, one agent at a time under callgrind, ${repeats} runs each (median; per run: %RUNS%); per request = (instructions during the requests - idle instructions per second x their wall time) / requests; the handler is the simulator's order pricing (4 items), snapshots every 1 s`;
      const figures: Figure[] = [];
      const capacity = (name: string, on: Cost, target: boolean, how: string): Figure =>
        figure({
          bench: 'sdk-instructions',
          name: `agent capacity in instructions at the native request rate, ${name} (plain / instrumented)`,
          value: plain.atCapacity / on.atCapacity,
          unit: 'ratio',
          ...(target ? { target: '>= 0.99 (the issue: capacity with instrumentation >= 0.99 of the plain agent)', met: plain.atCapacity / on.atCapacity >= 0.99 } : {}),
          notes: `${how}per request at ${Math.round(rate).toLocaleString('en-US')} requests per CPU-second (the plain agent, natively, this run): ${Math.round(on.atCapacity).toLocaleString('en-US')} instrumented against ${Math.round(plain.atCapacity).toLocaleString('en-US')}, timers ${Math.round(on.idlePerSecond).toLocaleString('en-US')} against ${Math.round(plain.idlePerSecond).toLocaleString('en-US')} instructions per second`,
        });
      for (const v of variants.slice(1)) {
        const on = at(v.name);
        figures.push(
          figure({
            bench: 'sdk-instructions',
            name: `instructions per request, ${v.name}`,
            value: on.perRequest,
            unit: 'instructions',
            reference: { name: 'same agent, instrumentation off', value: plain.perRequest, unit: 'instructions' },
            notes: settings.replace('%RUNS%', `${on.runs} against ${plain.runs}`),
          }),
        );
        if (v.id !== 'timing') figures.push(capacity(v.name, on, false, 'as counted: under callgrind the agent times far more of its calls than natively; '));
      }
      if (counts.has(TIMED_ALL) && counts.has(TIMED_NONE)) {
        const all = at(TIMED_ALL);
        const none = at(TIMED_NONE);
        const period = samplingPeriod(rate, DEFAULT_TIMED_PER_SECOND);
        const perRequest = none.perRequest + (all.perRequest - none.perRequest) / period;
        const idlePerSecond = (all.idlePerSecond + none.idlePerSecond) / 2;
        figures.push(
          figure({
            bench: 'sdk-instructions',
            name: 'instructions to time one call (every call timed minus none)',
            value: all.perRequest - none.perRequest,
            unit: 'instructions',
            reference: { name: 'a whole request, plain agent', value: plain.perRequest, unit: 'instructions' },
          }),
          capacity(
            'instrumented, timing as at the native rate',
            { perRequest, idlePerSecond, atCapacity: perRequest + idlePerSecond / rate },
            true,
            `no call timed + 1/${period} of the cost of timing one (the SDK times 1 call in ${period} at this rate); `,
          ),
        );
      }
      return figures;
    } finally {
      await nc.close();
    }
  },
};

export default sdkInstructions;
