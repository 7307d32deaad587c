import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { figure, type Benchmark, type BenchContext, type Figure } from './figure.js';
import { generateSnapshots, type WireSnapshot, type Workload } from './lib/workload.js';
import {
  BENCH_NATS_URL,
  dropSchema,
  processCpuMs,
  processRss,
  sql,
  startEngineProcess,
  timePsql,
  uniqueName,
} from './lib/services.js';
import { formatMemory, readEngineMemory, traceEngineMemory } from './lib/engine-memory.js';
import { argNumber, argString } from './lib/args.js';

/** Sends every message as a request, keeping `window` in flight, and waits for all replies (also used by optimize-cost). */
export async function publishDurably(
  nc: Awaited<ReturnType<typeof connect>>,
  subject: string,
  messages: readonly Uint8Array[],
  samplesPerMessage: number,
  window: number,
): Promise<void> {
  let next = 0;
  let inFlight = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && next < messages.length) {
        const msg = messages[next++]!;
        inFlight++;
        nc.request(subject, msg, { timeout: 120_000 }).then((reply) => {
          const body = reply.json<{ ok: boolean; samples?: number; error?: unknown }>();
          if (!body.ok || body.samples !== samplesPerMessage) {
            reject(new Error(`unexpected reply ${JSON.stringify(body)}`));
            return;
          }
          inFlight--;
          if (++done === messages.length) resolve();
          else pump();
        }, (err: unknown) => reject(err));
      }
    };
    pump();
  });
}

async function writeCsv(path: string, snapshots: readonly WireSnapshot[]): Promise<void> {
  const out = createWriteStream(path);
  for (const s of snapshots) {
    const ts = new Date(s.timestamp).toISOString();
    let chunk = '';
    for (const [m, v] of Object.entries(s.metrics)) chunk += `${ts},${s.source},${m},${v}\n`;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

/** Bytes of the schema's tables (`like`: only those whose name matches). */
async function schemaBytes(schema: string, like = '%'): Promise<number> {
  const rows = await sql<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2`,
    [schema, like],
  );
  return Number(rows[0]!.bytes);
}

async function reference(ctx: BenchContext, snapshots: readonly WireSnapshot[], samples: number) {
  const schema = uniqueName('benchref');
  const csv = join(ctx.tmpDir, 'samples.csv');
  await writeCsv(csv, snapshots);
  try {
    timePsql([
      '-c',
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.samples (ts timestamptz, source text, metric text, value float8);
       CREATE INDEX ON ${schema}.samples (source, metric, ts);`,
    ]);
    const ms = timePsql(['-c', `\\copy ${schema}.samples FROM '${csv}' CSV`]);
    const bytes = await schemaBytes(schema);
    return { rate: samples / (ms / 1000), bytesPerSample: bytes / samples };
  } finally {
    await dropSchema(schema);
  }
}

/** Engine settings that leave only the ingest path (validation, storage, replies). */
const STAGES_OFF = { PERF_ENGINE_DETECT_ENABLED: 'false', PERF_ENGINE_DIAGNOSE_ENABLED: 'false' };

interface EngineRun {
  readonly rate: number;
  readonly cpuMs: number;
  readonly rss: { peak: number; current: number };
  /** Peak RSS once the warm-up's new series were stored and analysed (whole engine only). */
  readonly coldPeakRss: number | null;
  /** Bytes of every table but the tiers'. */
  readonly bytes: number;
  /** Bytes of the tiers' tables. */
  readonly tierBytes: number;
  /** Series first seen in the warm-up, and how long storing and analysing them took (whole engine only). */
  readonly coldStart: { readonly series: number; readonly seconds: number } | null;
  /** The tier writer's counters after the run (null with the tiers off). */
  readonly tiers: { foldMs: number; flushMs: number; foldedSamples: number; rowsWritten: Record<string, number> } | null;
}

/** Starts an engine, sends every message durably, checks that every sample is stored, and measures. */
async function measureEngine(
  ctx: BenchContext,
  label: string,
  env: Record<string, string>,
  messages: readonly Uint8Array[],
  perMessage: number,
  window: number,
  samples: number,
  waitForTiers = false,
  /**
   * For the whole engine: the run counts until detection and diagnosis have analysed every
   * snapshot, not only until the last reply; `warmup` messages (every series once) are sent and
   * analysed first, outside the measured run, so that it measures series the engine already holds.
   */
  analysis: { readonly snapshots: number; readonly warmup: readonly Uint8Array[] } | null = null,
): Promise<EngineRun> {
  const engine = await startEngineProcess(env);
  const nc = await connect({ servers: BENCH_NATS_URL });
  const memory = traceEngineMemory(engine.child.pid!, engine.http);
  try {
    const pid = engine.child.pid!;
    const subject = `${engine.prefix}monitoring.realtime_metrics`;
    let coldStart: EngineRun['coldStart'] = null;
    let coldPeakRss: number | null = null;
    if (analysis) {
      const w0 = performance.now();
      await publishDurably(nc, subject, analysis.warmup, perMessage, window);
      await analysisCaughtUp(engine.http, analysis.warmup.length * perMessage, analysis.warmup.length);
      coldStart = { series: analysis.warmup.length * perMessage, seconds: (performance.now() - w0) / 1000 };
      coldPeakRss = processRss(pid).peak;
      ctx.log(`${label}: after the cold start: ${formatMemory(await readEngineMemory(pid, engine.http))}`);
      ctx.log(`${label}: ${coldStart.series} new series stored and analysed in ${coldStart.seconds.toFixed(2)} s (warm-up, not measured)`);
    }
    const cpu0 = processCpuMs(pid);
    const t0 = performance.now();
    await publishDurably(nc, subject, messages, perMessage, window);
    const replied = (performance.now() - t0) / 1000;
    if (analysis) await analysisCaughtUp(engine.http, samples + analysis.warmup.length * perMessage, analysis.snapshots + analysis.warmup.length);
    const seconds = (performance.now() - t0) / 1000;
    if (analysis) ctx.log(`${label}: last reply after ${replied.toFixed(2)} s, every sample analysed after ${seconds.toFixed(2)} s`);
    const cpuMs = processCpuMs(pid) - cpu0;
    const rss = processRss(pid);
    const atPeak = await memory.stop();
    if (atPeak) ctx.log(`${label}: at the highest RSS read: ${formatMemory(atPeak)}`);
    // A tier bucket whose time is over closes 10 s after its last sample (a 5-minute one 10 s after its last
    // minute closed, an hour 10 s after that) and is written at the next 5-s tick: wait for all three.
    if (waitForTiers) await new Promise((r) => setTimeout(r, 45_000));
    const status = waitForTiers ? ((await (await fetch(`${engine.http}/api/v1/status`)).json()) as { tiers: EngineRun['tiers'] }) : { tiers: null };
    const stored = await sql<{ n: string }>(
      `SELECT coalesce(sum(cardinality(ms.names)), 0)::text AS n FROM "${engine.schema}".metric_snapshots s
       JOIN "${engine.schema}".metric_sets ms ON ms.id = s.set_id`,
    );
    if (Number(stored[0]!.n) < samples) throw new Error(`stored ${stored[0]!.n} samples, sent ${samples}`);
    const tierBytes = await schemaBytes(engine.schema, 'metric\\_tier\\_%');
    const bytes = (await schemaBytes(engine.schema)) - tierBytes;
    ctx.log(`${label}: ${seconds.toFixed(2)} s, ${cpuMs.toFixed(0)} ms CPU`);
    return { rate: samples / seconds, cpuMs, rss, coldPeakRss, bytes, tierBytes, tiers: status.tiers, coldStart };
  } finally {
    await memory.stop();
    await nc.close();
    await engine.stop();
    await dropSchema(engine.schema);
  }
}

/** A snapshot as an agent sends it (RFC 3339 time). */
function encodeSnapshot(s: WireSnapshot): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...s, timestamp: new Date(s.timestamp).toISOString() }));
}

/** Waits until detection has scored `samples` samples with no series loading, and diagnosis has seen `snapshots` snapshots. */
async function analysisCaughtUp(http: string, samples: number, snapshots: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const status = (await (await fetch(`${http}/api/v1/status`)).json()) as { detection: { samples: number; loading: number }; diagnosis: { snapshots: number } };
    if (status.detection.samples >= samples && status.detection.loading === 0 && status.diagnosis.snapshots >= snapshots) return;
    if (Date.now() > deadline) throw new Error(`analysis did not catch up: ${JSON.stringify({ detection: status.detection.samples, diagnosis: status.diagnosis.snapshots })}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What maintaining the tiers (docs/storage.md#tiers-downsampled-history) cost during the run. */
function tierFigures(withTiers: EngineRun, without: EngineRun, samples: number): Figure[] {
  const t = withTiers.tiers;
  if (!t) return [];
  return [
    figure({
      bench: 'ingest',
      name: 'samples/s on the ingest path with the tiers maintained',
      value: withTiers.rate,
      unit: 'samples/s',
      reference: { name: 'the same run with store_tiers_enabled=false', value: without.rate, unit: 'samples/s' },
      notes: `engine CPU ${((withTiers.cpuMs * 1000) / samples).toFixed(2)} us/sample with tiers, ${((without.cpuMs * 1000) / samples).toFixed(2)} without`,
    }),
    figure({
      bench: 'ingest',
      name: 'tier maintenance time per sample during the run (fold in the writer + upserts of closed buckets, engine counters)',
      value: ((t.foldMs + t.flushMs) * 1000) / samples,
      unit: 'us/sample',
      reference: { name: 'engine CPU per sample (ingest path)', value: (withTiers.cpuMs * 1000) / samples, unit: 'us/sample' },
      notes: `fold ${((t.foldMs * 1000) / samples).toFixed(3)} us/sample, upserts ${((t.flushMs * 1000) / samples).toFixed(3)} us/sample (${JSON.stringify(t.rowsWritten)} rows)`,
    }),
  ];
}

const bench: Benchmark = {
  name: 'ingest',
  description: 'samples/s from NATS into PostgreSQL, durable (reply after commit), ingest path and whole engine, vs psql \\copy one row per sample (args: --samples N, --sources S (1000), --per-message M (50), --window W (2000), --engines ingest,whole,no-tiers)',
  async run(ctx) {
    const samplesWanted = argNumber(ctx.args, '--samples', 1_000_000);
    const perMessage = argNumber(ctx.args, '--per-message', 50);
    const window = argNumber(ctx.args, '--window', 2000);
    const sources = argNumber(ctx.args, '--sources', 1000);
    const workload: Workload = {
      sources,
      metricsPerSnapshot: perMessage,
      snapshotsPerSource: Math.max(1, Math.round(samplesWanted / perMessage / sources)),
      intervalMs: 1000,
      start: Date.now() - 3_600_000,
    };
    const snapshots = [...generateSnapshots(workload)];
    const samples = snapshots.length * perMessage;
    const messages = snapshots.map(encodeSnapshot);
    ctx.log(`${samples.toLocaleString('en-US')} samples in ${messages.length} messages of ${perMessage}; ${window} requests in flight`);

    // --engines ingest,whole,no-tiers (default: all three) chooses which engines run; the psql reference always does.
    const engines = new Set((argString(ctx.args, '--engines') ?? 'ingest,whole,no-tiers').split(','));
    const ingestOnly = !engines.has('ingest') ? null : await measureEngine(ctx, 'ingest path (detection and diagnosis off)', STAGES_OFF, messages, perMessage, window, samples, true);
    // One snapshot of every source a minute before the measured ones: every series is new there.
    const warmup = [...generateSnapshots({ ...workload, snapshotsPerSource: 1, start: workload.start - 60_000 })].map(encodeSnapshot);
    const full = !engines.has('whole') ? null : await measureEngine(ctx, 'whole engine (every stage on)', {}, messages, perMessage, window, samples, false, { snapshots: snapshots.length, warmup });
    const noTiers = !engines.has('no-tiers') ? null : await measureEngine(ctx, 'ingest path without the tiers', { ...STAGES_OFF, PERF_ENGINE_STORE_TIERS_ENABLED: 'false' }, messages, perMessage, window, samples);
    ctx.log('measuring the psql \\copy reference');
    const ref = await reference(ctx, snapshots, samples);
    const refName = 'psql \\copy, row per sample, btree (source, metric, ts)';
    const notes = (m: EngineRun) =>
      `${samples.toLocaleString('en-US')} samples, ${perMessage}/message, ${window} in flight; engine CPU ${((m.cpuMs * 1000) / samples).toFixed(2)} us/sample; peak RSS ${(m.rss.peak / 1048576).toFixed(0)} MB${m.coldPeakRss !== null ? ` (${(m.coldPeakRss / 1048576).toFixed(0)} MB by the end of the cold start)` : ''}, ${(m.rss.current / 1048576).toFixed(0)} MB at the end`;
    const figures: Figure[] = [];
    if (ingestOnly) {
      figures.push(
        figure({
          bench: 'ingest',
          name: 'samples/s, NATS request -> committed in PostgreSQL -> reply (ingest path)',
          value: ingestOnly.rate,
          unit: 'samples/s',
          reference: { name: refName, value: ref.rate, unit: 'rows/s' },
          target: '>= 1,000,000 samples/s',
          met: ingestOnly.rate >= 1_000_000,
          notes: notes(ingestOnly),
        }),
      );
    }
    if (full) figures.push(
      figure({
        bench: 'ingest',
        name: 'samples/s, same, with streaming detection, alerting and diagnosis of every sample in the same process (until every sample is analysed; series already known)',
        value: full.rate,
        unit: 'samples/s',
        reference: { name: refName, value: ref.rate, unit: 'rows/s' },
        notes: `${notes(full)}; before it, ${full.coldStart!.series.toLocaleString('en-US')} new series (one snapshot of every source) took ${full.coldStart!.seconds.toFixed(1)} s to store and analyse (${Math.round(full.coldStart!.series / full.coldStart!.seconds).toLocaleString('en-US')} series/s: history and saved state read for each)`,
      }),
      figure({
        bench: 'ingest',
        name: 'whole engine peak RSS during ingest',
        value: full.rss.peak / 1048576,
        unit: 'MB',
        ...(ingestOnly ? { reference: { name: 'the ingest path\'s peak RSS (detection and diagnosis off)', value: ingestOnly.rss.peak / 1048576, unit: 'MB' } } : {}),
        target: '< 300 MB',
        met: full.rss.peak < 300 * 1048576,
        notes: `detector state of ${(samples / workload.snapshotsPerSource).toLocaleString('en-US')} series`,
      }),
    );
    if (ingestOnly) {
      figures.push(
        figure({
          bench: 'ingest',
          name: 'bytes per sample on disk (data + indexes, every table of the schema but the tiers)',
          value: ingestOnly.bytes / samples,
          unit: 'B/sample',
          reference: { name: refName, value: ref.bytesPerSample, unit: 'B/sample' },
          target: '<= 8 B/sample',
          met: ingestOnly.bytes / samples <= 8,
          notes: `the tiers add ${(ingestOnly.tierBytes / samples).toFixed(2)} B/sample here, where every bucket holds the ${workload.snapshotsPerSource} s a source sends; bench history gives their size in steady state`,
        }),
      );
    }
    if (ingestOnly && noTiers) figures.push(...tierFigures(ingestOnly, noTiers, samples));
    return figures;
  },
};

export default bench;
