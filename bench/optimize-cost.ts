import { connect } from '@nats-io/transport-node';
import { figure, type Benchmark, type BenchContext } from './figure.js';
import { publishDurably } from './ingest.js';
import { generateSnapshots, workloadMetricNames, type Workload } from './lib/workload.js';
import { BENCH_NATS_URL, dropSchema, processCpuMs, startEngineProcess } from './lib/services.js';
import { argNumber } from './lib/args.js';
import { median } from './lib/median.js';

/** Only the ingest path beside the loop, so that its cost is not lost in detection's. */
const STAGES_OFF = { PERF_ENGINE_DETECT_ENABLED: 'false', PERF_ENGINE_DIAGNOSE_ENABLED: 'false' };
/** Windows short enough that every announced change gets its looks while the workload streams in. */
const JUDGING = {
  PERF_ENGINE_OPTIMIZATION_BEFORE_SECONDS: '60',
  PERF_ENGINE_OPTIMIZATION_SETTLE_SECONDS: '0',
  PERF_ENGINE_OPTIMIZATION_AFTER_SECONDS: '60',
  PERF_ENGINE_OPTIMIZATION_LOOKS: '3',
  PERF_ENGINE_OPTIMIZATION_MIN_SAMPLES: '20',
};

interface Run {
  readonly rate: number;
  readonly cpuUsPerSample: number;
  /** Changes with a verdict when the last sample was committed, and a second after. */
  readonly verdictsDuring: number;
  readonly verdictsAfter: number;
}

interface Setup {
  readonly messages: readonly Uint8Array[];
  readonly perMessage: number;
  readonly window: number;
  readonly samples: number;
  /** `optimizing.optimization_applied` announcements: changes the loop judges while the workload streams. */
  readonly changes: readonly Record<string, unknown>[];
}

async function verdicts(http: string): Promise<number> {
  const body = (await (await fetch(`${http}/api/v1/optimizations?limit=100`)).json()) as { optimizations?: { status: string }[] };
  if (!body.optimizations) throw new Error(`listing optimizations: ${JSON.stringify(body)}`);
  return body.optimizations.filter((o) => o.status !== 'applied').length;
}

/** One engine, loop on or off: the changes announced first, then every message sent durably. */
async function measure(ctx: BenchContext, loopOn: boolean, s: Setup): Promise<Run> {
  const engine = await startEngineProcess({ ...STAGES_OFF, ...JUDGING, PERF_ENGINE_OPTIMIZATION_ENABLED: String(loopOn) });
  const nc = await connect({ servers: BENCH_NATS_URL });
  try {
    for (const c of s.changes) {
      const reply = (await nc.request(`${engine.prefix}optimizing.optimization_applied`, JSON.stringify(c), { timeout: 10_000 })).json<{ ok: boolean }>();
      if (!reply.ok) throw new Error(`announcement refused: ${JSON.stringify(reply)}`);
    }
    const pid = engine.child.pid!;
    const cpu0 = processCpuMs(pid);
    const t0 = performance.now();
    await publishDurably(nc, `${engine.prefix}monitoring.realtime_metrics`, s.messages, s.perMessage, s.window);
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = processCpuMs(pid) - cpu0;
    const verdictsDuring = await verdicts(engine.http);
    await new Promise((r) => setTimeout(r, 1500));
    const verdictsAfter = await verdicts(engine.http);
    ctx.log(`loop ${loopOn ? 'on' : 'off'}: ${seconds.toFixed(2)} s, ${cpuMs.toFixed(0)} ms CPU, ${verdictsDuring} verdicts at the end of the run, ${verdictsAfter} a second later`);
    return { rate: s.samples / seconds, cpuUsPerSample: (cpuMs * 1000) / s.samples, verdictsDuring, verdictsAfter };
  } finally {
    await nc.close();
    await engine.stop();
    await dropSchema(engine.schema);
  }
}


const bench: Benchmark = {
  name: 'optimize-cost',
  description: 'samples/s of durable ingest with the optimization loop on (judging announced changes as the data arrives) against the same engine with optimization_enabled=false, same run',
  async run(ctx) {
    const samplesWanted = argNumber(ctx.args, '--samples', 1_000_000);
    const perMessage = argNumber(ctx.args, '--per-message', 50);
    const window = argNumber(ctx.args, '--window', 2000);
    const rounds = argNumber(ctx.args, '--rounds', 2);
    const judged = argNumber(ctx.args, '--changes', 20);
    const sources = 50;
    const workload: Workload = {
      sources,
      metricsPerSnapshot: perMessage,
      snapshotsPerSource: Math.max(240, Math.round(samplesWanted / perMessage / sources)),
      intervalMs: 1000,
      start: Date.now() - 2 * 3_600_000,
    };
    const snapshots = [...generateSnapshots(workload)];
    const samples = snapshots.length * perMessage;
    const messages = snapshots.map((x) => new TextEncoder().encode(JSON.stringify({ ...x, timestamp: new Date(x.timestamp).toISOString() })));
    const metric = workloadMetricNames(perMessage)[0]!;
    const names = [...new Set(snapshots.slice(0, sources).map((x) => x.source))].slice(0, judged);
    // Each change takes effect two minutes into the stream: its three looks fall due while the rest arrives.
    const changes = names.map((source) => ({
      source,
      action: 'set_agent_config',
      params: { agent_id: source, key: 'batch_size', value: 64, previous: 32 },
      applied_at: new Date(workload.start + 120_000).toISOString(),
      expect: [{ metric, direction: 'decrease' }],
    }));
    const setup: Setup = { messages, perMessage, window, samples, changes };
    ctx.log(`${samples.toLocaleString('en-US')} samples from ${sources} sources over ${workload.snapshotsPerSource} s; ${changes.length} changes judged on ${metric}; ${rounds} rounds`);

    const on: Run[] = [];
    const off: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so that neither side always runs on a warmer database.
      if (r % 2 === 0) {
        on.push(await measure(ctx, true, setup));
        off.push(await measure(ctx, false, setup));
      } else {
        off.push(await measure(ctx, false, setup));
        on.push(await measure(ctx, true, setup));
      }
    }
    const rateOn = median(on.map((x) => x.rate));
    const rateOff = median(off.map((x) => x.rate));
    return [
      figure({
        bench: 'optimize-cost',
        name: 'samples/s, durable ingest, optimization loop on and judging (median of rounds)',
        value: rateOn,
        unit: 'samples/s',
        reference: { name: 'the same engine and stream with optimization_enabled=false', value: rateOff, unit: 'samples/s' },
        notes:
          `${samples.toLocaleString('en-US')} samples, ${perMessage}/message, ${window} in flight, detection and diagnosis off; ` +
          `rounds on ${on.map((x) => Math.round(x.rate)).join(', ')}, off ${off.map((x) => Math.round(x.rate)).join(', ')} samples/s; ` +
          `verdicts of the ${changes.length} changes at the end of each run with the loop on: ${on.map((x) => `${x.verdictsDuring} (+1.5 s: ${x.verdictsAfter})`).join(', ')}`,
      }),
      figure({
        bench: 'optimize-cost',
        name: 'engine CPU per sample with the loop on',
        value: median(on.map((x) => x.cpuUsPerSample)),
        unit: 'us/sample',
        reference: { name: 'with optimization_enabled=false', value: median(off.map((x) => x.cpuUsPerSample)), unit: 'us/sample' },
      }),
    ];
  },
};

export default bench;
