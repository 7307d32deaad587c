import pg from 'pg';
import { figure, type Benchmark, type Figure } from './figure.js';
import { BENCH_NATS_URL, BENCH_PG_URL, sql, startEngineProcess, uniqueName } from './lib/services.js';
import { runSoak, type SoakResult, type SoakSample } from '../test/helpers/soak.js';
import { argNumber } from './lib/args.js';

const MiB = 2 ** 20;
const backlog = (s: SoakSample) => s.consumerPending + s.writerPending / 20;

/** The readings of the first minute of publishing (or its first tenth in a shorter run): the reference of "flat". */
function firstMinute(samples: readonly SoakSample[], seconds: number): SoakSample[] {
  const publishing = samples.filter((s) => (s.pub?.sent ?? 0) > 0);
  const from = publishing[0]?.t ?? 0;
  const early = publishing.filter((s) => s.t <= from + Math.min(60, seconds / 10) + 1e-9);
  return early.length > 0 ? early : samples.slice(0, 1);
}

/**
 * The engine's state beside its memory at a few readings: the open alerts (the publisher's ramps
 * wrap once in 1,000 ticks, and each wrap is a real level change that detection flags once its
 * models have learnt) and the V8 heap, used and committed, so that a growing RSS says whether it
 * follows state, the heap, or neither.
 */
function memoryStory(at: readonly SoakSample[]): string {
  const heap = (s: SoakSample) => `${(s.heapUsedBytes / MiB).toFixed(0)}/${(s.heapTotalBytes / MiB).toFixed(0)}`;
  return `open alerts ${at.map((s) => s.alertsOpen).join(' → ')}; V8 heap used/committed ${at.map(heap).join(' → ')} MiB`;
}

function figures(r: SoakResult, o: { sources: number; metrics: number; seconds: number }): Figure[] {
  const bench = 'soak';
  const first = firstMinute(r.samples, o.seconds);
  const middle = r.samples[Math.floor(r.samples.length / 2)]!;
  const last = r.samples.at(-1)!;
  const rssRef = Math.max(...first.map((s) => s.rssBytes));
  const backlogRef = Math.max(...first.map(backlog));
  const lateBacklog = r.samples.slice(Math.floor((r.samples.length * 3) / 4));
  const lagRef = Math.max(...first.map((s) => s.pub?.lagP99Ms ?? 0));
  const lagLate = Math.max(...lateBacklog.map((s) => s.pub?.lagP99Ms ?? 0));
  const sent = r.final.sent;
  return [
    figure({
      bench, name: 'snapshots acknowledged (committed) of those sent', value: r.final.acked, unit: 'snapshots', reference: { name: 'sent', value: sent, unit: 'snapshots' },
      target: 'every one', met: r.final.acked === sent,
      notes: `refused ${r.final.refused}, failed ${r.final.failed}${r.final.firstError ? ` (first: ${r.final.firstError})` : ''}; ${o.sources} sources x ${o.metrics} metrics every 1 s for ${o.seconds} s`,
    }),
    figure({
      bench, name: 'snapshots stored in PostgreSQL', value: r.stored, unit: 'snapshots', reference: { name: 'sent', value: sent, unit: 'snapshots' },
      target: 'stored = sent, no (stream, timestamp) twice', met: r.stored === sent && r.storedDistinct === r.stored && r.storedSamples === sent * o.metrics,
      notes: `distinct (stream, timestamp) ${r.storedDistinct}, doubled ${r.stored - r.storedDistinct}, lost ${sent - r.storedDistinct}; samples stored ${r.storedSamples} of ${sent * o.metrics}`,
    }),
    figure({
      bench, name: 'backlog in the last quarter of the run (max; JetStream pending + writer queue / 20)', value: Math.max(...lateBacklog.map(backlog)), unit: 'snapshots',
      reference: { name: 'backlog in the first minute (max)', value: backlogRef, unit: 'snapshots' },
      target: `no growth: at most the first minute's or one tick (${o.sources})`, met: Math.max(...lateBacklog.map(backlog)) <= Math.max(backlogRef, o.sources),
      notes: `over time (s: pending): ${r.samples.filter((_, i) => i % Math.max(1, Math.floor(r.samples.length / 12)) === 0).map((s) => `${s.t.toFixed(0)}: ${s.consumerPending}+${s.writerPending}`).join(', ')}; ` +
        `after publishing: drained in ${r.drainSeconds.toFixed(1)} s to ${r.consumerPendingAfter} pending + ${r.writerPendingAfter} queued`,
    }),
    figure({
      bench, name: 'engine RSS at the end', value: last.rssBytes / MiB, unit: 'MiB', reference: { name: "the first minute's max", value: rssRef / MiB, unit: 'MiB' },
      target: 'flat: <= 1.25x', met: last.rssBytes <= rssRef * 1.25,
      notes: `at start ${(r.rssAtStart / MiB).toFixed(0)} MiB, middle (t=${middle.t.toFixed(0)} s) ${(middle.rssBytes / MiB).toFixed(0)} MiB, end (t=${last.t.toFixed(0)} s) ${(last.rssBytes / MiB).toFixed(0)} MiB, max ${(Math.max(...r.samples.map((s) => s.rssBytes)) / MiB).toFixed(0)} MiB; ` +
        `what grew (first minute's last reading, middle, end): ${memoryStory([first.at(-1)!, middle, last])}`,
    }),
    figure({
      bench, name: 'ingest lag p99 (request to commit reply) in the last quarter', value: lagLate, unit: 'ms', reference: { name: "the first minute's p99", value: lagRef, unit: 'ms' },
      target: 'below the 1 s publishing interval', met: lagLate < 1000,
      notes: `p50/p99/max per interval: ${r.samples.filter((_, i) => i % Math.max(1, Math.floor(r.samples.length / 12)) === 0).map((s) => `${s.t.toFixed(0)}s ${s.pub?.lagP50Ms.toFixed(0)}/${s.pub?.lagP99Ms.toFixed(0)}/${s.pub?.lagMaxMs.toFixed(0)}`).join(', ')}; ` +
        `publisher ticks late at most ${Math.max(...r.samples.map((s) => s.pub?.tickLateMs ?? 0))} ms`,
    }),
  ];
}

const bench: Benchmark = {
  name: 'soak',
  description:
    'sustained ingest from a separate publisher process into an engine process on real NATS (JetStream) and a fresh PostgreSQL database: --sources N (1000), --metrics M (20), --seconds S (600), --sample-seconds (10)',
  async run(ctx) {
    const o = {
      sources: argNumber(ctx.args, '--sources', 1000),
      metrics: argNumber(ctx.args, '--metrics', 20),
      seconds: argNumber(ctx.args, '--seconds', 600),
    };
    const sampleMs = argNumber(ctx.args, '--sample-seconds', 10) * 1000;
    const database = uniqueName('soak');
    await sql(`CREATE DATABASE ${database}`);
    const url = new URL(BENCH_PG_URL);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    const engine = await startEngineProcess({ DATABASE_URL: url.toString() });
    try {
      ctx.log(`engine pid ${engine.child.pid} on database ${database}; publishing ${o.sources} sources x ${o.metrics} metrics every 1 s for ${o.seconds} s`);
      await client.connect();
      await client.query(`SET search_path TO "${engine.schema}"`);
      const r = await runSoak(
        { natsUrl: BENCH_NATS_URL, prefix: engine.prefix, http: engine.http, pid: engine.child.pid!, query: async (text) => (await client.query(text)).rows as never },
        { ...o, intervalMs: 1000, sampleMs, run: 'soak', log: ctx.log },
      );
      const t0 = Date.now();
      const stopped = await Promise.race([engine.stop().then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 60_000))]);
      if (!stopped) engine.child.kill('SIGKILL');
      const stopSeconds = (Date.now() - t0) / 1000;
      return [
        ...figures(r, o),
        figure({
          bench: 'soak', name: 'engine stop after the soak (SIGTERM to exit)', value: stopSeconds, unit: 's', reference: { name: 'the 60 s the bench waits', value: 60, unit: 's' },
          target: 'exits cleanly', met: stopped, notes: stopped ? 'exited' : 'did not exit within 60 s of SIGTERM: killed (SIGKILL)',
        }),
      ];
    } finally {
      if (engine.child.exitCode === null && engine.child.signalCode === null) await engine.stop();
      await client.end().catch(() => undefined);
      await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  },
};

export default bench;
