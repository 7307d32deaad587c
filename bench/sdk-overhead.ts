import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import { HandlerRunner } from '../src/agent/handler-runner.js';
import { instrumentDb } from '../src/agent/instrumentation/instrumented-db.js';
import { WorkStats } from '../src/agent/instrumentation/work-stats.js';
import { type Bus, type BusMessage } from '../src/bus/bus.js';
import { encodeJson } from '../src/wire/json.js';
import type { Db, QueryResult } from '../src/store/db.js';
import { OrderRequest, priceOrder } from '../src/tools/simulate/order-workload.js';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import type { AgentChild } from './lib/sdk-agent.js';
import { argPositiveOr } from './lib/args.js';
import { drive, ORDER, startAgent } from './lib/sdk-agent.js';
import { BENCH_NATS_URL, uniqueName } from './lib/services.js';
import { median } from './lib/median.js';


function handleOrder(o: OrderRequest): Record<string, unknown> {
  const p = priceOrder(o.items);
  return { order_id: o.order_id, total: p.total, lines: p.lines.length };
}

/**
 * Per-call cost of a handler dispatch with and without the SDK's instrumentation, in-process, no
 * transport. `everyCall` makes the stats see a low call rate, so every call is timed (what a
 * quiet agent pays per call); otherwise they see the real, high rate and sample.
 */
function handlerCallCost(rounds: number, calls: number, everyCall: boolean): { plainUs: number; overheadUs: number } {
  const bus = { publish: () => undefined } as unknown as Bus;
  const validate = new Ajv({ strict: false }).compile<OrderRequest>(OrderRequest);
  const log = pino({ level: 'silent' });
  let slowClock = 0;
  const stats = everyCall ? new WorkStats(0, () => (slowClock += 1e6)) : new WorkStats(performance.now());
  const plain = new HandlerRunner('bench.order', validate, handleOrder, {}, null, log);
  const timed = new HandlerRunner('bench.order', validate, handleOrder, {}, stats, log);
  const msg: BusMessage = { subject: 'bench.order', data: encodeJson(ORDER), reply: '_INBOX.bench' };
  const run = (r: HandlerRunner<OrderRequest>): number => {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) r.dispatch(bus, msg);
    return ((performance.now() - t0) * 1000) / calls;
  };
  run(plain);
  run(timed);
  const plainUs: number[] = [];
  const diffs: number[] = [];
  for (let k = 0; k < rounds; k++) {
    const first = k % 2 === 0 ? run(plain) : run(timed);
    const second = k % 2 === 0 ? run(timed) : run(plain);
    const [a, b] = k % 2 === 0 ? [first, second] : [second, first];
    plainUs.push(a);
    diffs.push(b - a);
    stats.drain(performance.now());
  }
  return { plainUs: median(plainUs), overheadUs: median(diffs) };
}

/** Per-query cost of the instrumented handle over a driver that answers at once. */
async function queryCost(rounds: number, queries: number): Promise<{ plainUs: number; overheadUs: number }> {
  const result: QueryResult<never> = { rows: [], rowCount: 0 };
  const answered = Promise.resolve(result);
  const raw = { kind: 'postgres', schema: 's', query: () => answered, exec: async () => undefined } as unknown as Db;
  const timed = instrumentDb(raw, new WorkStats(performance.now()));
  const run = async (db: Db): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) await db.query('SELECT 1', [i]);
    return ((performance.now() - t0) * 1000) / queries;
  };
  await run(raw);
  await run(timed);
  const plainUs: number[] = [];
  const diffs: number[] = [];
  for (let k = 0; k < rounds; k++) {
    const first = k % 2 === 0 ? await run(raw) : await run(timed);
    const second = k % 2 === 0 ? await run(timed) : await run(raw);
    const [a, b] = k % 2 === 0 ? [first, second] : [second, first];
    plainUs.push(a);
    diffs.push(b - a);
  }
  return { plainUs: median(plainUs), overheadUs: median(diffs) };
}

interface RoundResult {
  readonly rps: number;
  readonly perCpuS: number;
}

/**
 * One measured round: both agents loaded at once, 32 requests outstanding each, so that whatever
 * else the machine does weighs on both alike. Returns requests per wall second and per CPU-second
 * of each agent.
 */
async function round(nc: NatsConnection, prefix: string, agents: readonly AgentChild[], ms: number): Promise<RoundResult[]> {
  const before = await Promise.all(agents.map((a) => a.cpu()));
  const t0 = performance.now();
  await Promise.all(agents.map((a) => drive(nc, `${prefix}bench.${a.id}.order`, 32, { ms })));
  const wall = performance.now() - t0;
  const after = await Promise.all(agents.map((a) => a.cpu()));
  return agents.map((_, i) => {
    const served = after[i]!.served - before[i]!.served;
    return { rps: (served * 1000) / wall, perCpuS: (served * 1e6) / (after[i]!.cpuUs - before[i]!.cpuUs) };
  });
}

/**
 * Runs `count` rounds, each on a fresh pair of agents that `pairOf(k)` starts (in load order),
 * warmed up 1.5 s and then loaded for `seconds`; returns per round the measured side (`subject`)
 * as `a` and the other as `b`, and stops both agents whatever happens.
 */
async function pairedRounds(
  nc: NatsConnection,
  prefix: string,
  count: number,
  seconds: number,
  pairOf: (k: number) => { agents: [Promise<AgentChild>, Promise<AgentChild>]; subject: 0 | 1 },
  onRound?: (k: number, r: { a: RoundResult; b: RoundResult }) => void,
): Promise<{ a: RoundResult; b: RoundResult }[]> {
  const out: { a: RoundResult; b: RoundResult }[] = [];
  for (let k = 0; k < count; k++) {
    const { agents, subject } = pairOf(k);
    const pair = await Promise.all(agents);
    try {
      await round(nc, prefix, pair, 1500);
      const measured = await round(nc, prefix, pair, seconds * 1000);
      const r = { a: measured[subject]!, b: measured[1 - subject]! };
      out.push(r);
      onRound?.(k, r);
    } finally {
      await Promise.all(pair.map((a) => a.stop()));
    }
  }
  return out;
}

const quartiles = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.floor((s.length - 1) / 4)]!.toFixed(3)}-${s[Math.ceil((3 * (s.length - 1)) / 4)]!.toFixed(3)}`;
};

const sdkOverhead: Benchmark = {
  name: 'sdk-overhead',
  description: 'cost of the SDK instrumentation: per handler call and query in-process, and agent throughput over NATS against the same agent uninstrumented',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const seconds = argPositiveOr(ctx.args, '--seconds', 3);
    const rounds = argPositiveOr(ctx.args, '--rounds', 12);
    const controlRounds = Math.ceil(rounds / 2);
    ctx.log('in-process: 31 rounds of 50,000 handler dispatches and 50,000 queries, instrumented and not, alternating');
    const handler = handlerCallCost(31, 50_000, false);
    const handlerEvery = handlerCallCost(31, 50_000, true);
    const query = await queryCost(31, 50_000);
    const prefix = `${uniqueName('sdkb')}.`;
    const nc = await connect({ servers: BENCH_NATS_URL });
    try {
      // Fresh processes each round, roles and load order swapped every other round, so that
      // neither a process's luck with the JIT nor its place in the load loop favours one side.
      const main = await pairedRounds(nc, prefix, rounds, seconds, (k) => {
        const swapped = k % 2 === 1;
        return { agents: [startAgent(`a${k}`, prefix, !swapped), startAgent(`b${k}`, prefix, swapped)], subject: swapped ? 1 : 0 };
      }, (k, { a, b }) => ctx.log(`round ${k + 1}/${rounds}: instrumented ${Math.round(a.perCpuS)} req/CPU-s, plain ${Math.round(b.perCpuS)} req/CPU-s, ratio ${(a.perCpuS / b.perCpuS).toFixed(3)}`));
      const results = { on: main.map((r) => r.a), off: main.map((r) => r.b) };
      const ratios = main.map(({ a, b }) => a.perCpuS / b.perCpuS);
      const rpsRatios = main.map(({ a, b }) => a.rps / b.rps);
      ctx.log(`control: ${controlRounds} rounds with both agents uninstrumented, the measured side swapped every other round as above, to show the noise floor`);
      const control = (
        await pairedRounds(nc, prefix, controlRounds, seconds, (k) => ({ agents: [startAgent(`c${k}a`, prefix, false), startAgent(`c${k}b`, prefix, false)], subject: k % 2 === 1 ? 1 : 0 }))
      ).map(({ a, b }) => a.perCpuS / b.perCpuS);
      ctx.log(`eager CPU profiler: ${controlRounds} rounds with both agents instrumented, one with its CPU profiler prepared (eager code logging), one without`);
      const eagerRounds = await pairedRounds(nc, prefix, controlRounds, seconds, (k) => {
        const swapped = k % 2 === 1;
        return { agents: [startAgent(`e${k}a`, prefix, true, !swapped), startAgent(`e${k}b`, prefix, true, swapped)], subject: swapped ? 1 : 0 };
      });
      const eager = { on: eagerRounds.map((r) => r.a.perCpuS), off: eagerRounds.map((r) => r.b.perCpuS), ratios: eagerRounds.map(({ a, b }) => a.perCpuS / b.perCpuS) };
      const capOn = median(results.on.map((r) => r.perCpuS));
      const capOff = median(results.off.map((r) => r.perCpuS));
      const rpsOn = median(results.on.map((r) => r.rps));
      const rpsOff = median(results.off.map((r) => r.rps));
      const capRatio = median(ratios);
      const settings = `${rounds} rounds, each with a fresh pair of agent processes loaded at once for ${seconds} s (32 requests outstanding each) after 1.5 s of warm-up; median of per-round ratios ${capRatio.toFixed(3)}, interquartile ${quartiles(ratios)}; control (both uninstrumented, ${controlRounds} rounds): median ${median(control).toFixed(3)}, interquartile ${quartiles(control)}; handler = the simulator's order pricing (4 items), no database; snapshots every 1 s (default 15 s); the plain agent has no profile responder, the instrumented one its CPU profiler prepared (eager code logging)`;
      return [
        figure({
          bench: 'sdk-overhead',
          name: 'agent capacity with instrumentation (requests per CPU-second of the agent)',
          value: capOn,
          unit: 'req/CPU-s',
          reference: { name: 'same agent, instrumentation off', value: capOff, unit: 'req/CPU-s' },
          target: 'cost < 1% of throughput (ratio >= 0.99)',
          met: capRatio >= 0.99,
          notes: settings,
        }),
        figure({
          bench: 'sdk-overhead',
          name: 'instrumented agent capacity with its CPU profiler prepared (eager code logging, no profile running)',
          value: median(eager.on),
          unit: 'req/CPU-s',
          reference: { name: 'same instrumented agent, profiler not prepared', value: median(eager.off), unit: 'req/CPU-s' },
          notes: `${controlRounds} rounds of fresh pairs, roles swapped every other round; median of per-round ratios ${median(eager.ratios).toFixed(3)}, interquartile ${quartiles(eager.ratios)}`,
        }),
        figure({
          bench: 'sdk-overhead',
          name: 'agent throughput with instrumentation (wall clock)',
          value: rpsOn,
          unit: 'req/s',
          reference: { name: 'same agent, instrumentation off', value: rpsOff, unit: 'req/s' },
          target: 'cost < 1% of throughput (ratio >= 0.99)',
          met: median(rpsRatios) >= 0.99,
          notes: `median of per-round ratios ${median(rpsRatios).toFixed(3)}, interquartile ${quartiles(rpsRatios)}; the load generator, NATS and both agents share the machine, the CPU-second figure above is each agent alone`,
        }),
        figure({
          bench: 'sdk-overhead',
          name: 'instrumentation cost per handler call, every call timed (quiet agent)',
          value: handlerEvery.overheadUs,
          unit: 'µs',
          reference: { name: 'uninstrumented dispatch (decode, validate, handle, reply)', value: handlerEvery.plainUs, unit: 'µs' },
          target: '< 1 µs',
          met: handlerEvery.overheadUs < 1,
        }),
        figure({
          bench: 'sdk-overhead',
          name: 'instrumentation cost per handler call, busy agent (timing sampled)',
          value: handler.overheadUs,
          unit: 'µs',
          reference: { name: 'uninstrumented dispatch (decode, validate, handle, reply)', value: handler.plainUs, unit: 'µs' },
          target: '< 1 µs',
          met: handler.overheadUs < 1,
        }),
        figure({
          bench: 'sdk-overhead',
          name: 'instrumentation cost per database query',
          value: query.overheadUs,
          unit: 'µs',
          reference: { name: 'uninstrumented query on a driver that answers at once', value: query.plainUs, unit: 'µs' },
          target: '< 1 µs',
          met: query.overheadUs < 1,
        }),
      ];
    } finally {
      await nc.close();
    }
  },
};

export default sdkOverhead;
