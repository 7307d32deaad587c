import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamNameFor } from '../../src/bus/ingest-stream.js';
import type { PublisherReport } from './soak-publisher.js';

/** The engine a soak drives, wherever it runs (a child process in the bench, in-process in the test). */
export interface SoakTarget {
  readonly natsUrl: string;
  /** Subject prefix of the engine (its ingest stream is named after it). */
  readonly prefix: string;
  /** Base URL of its HTTP server (`/metrics` gives the writer's queue). */
  readonly http: string;
  /** Pid whose resident memory is sampled. */
  readonly pid: number;
  /** Runs one SQL statement on the engine's database and returns its rows. */
  query<R extends Record<string, unknown>>(text: string): Promise<R[]>;
}

export interface SoakOptions {
  readonly sources: number;
  readonly metrics: number;
  readonly seconds: number;
  readonly intervalMs: number;
  /** How often the backlog, memory and stored count are sampled. */
  readonly sampleMs: number;
  /** Sources are named `<run>-src-<i>`. */
  readonly run: string;
  readonly log?: (line: string) => void;
}

/** One periodic reading. */
export interface SoakSample {
  /** Seconds since publishing started. */
  readonly t: number;
  readonly rssBytes: number;
  /** JetStream: messages not yet delivered to the consumer plus delivered and not acknowledged. */
  readonly consumerPending: number;
  /** Samples in the engine's write queue. */
  readonly writerPending: number;
  /** Alerts open in the engine, and its V8 heap: used, and committed (from `/metrics`; NaN when it does not answer). */
  readonly alertsOpen: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly storedSnapshots: number;
  readonly pub: PublisherReport | null;
}

export interface SoakResult {
  readonly samples: readonly SoakSample[];
  readonly rssAtStart: number;
  readonly final: PublisherReport;
  /** Snapshots stored, and distinct (stream, timestamp) pairs among them (equal unless doubled). */
  readonly stored: number;
  readonly storedDistinct: number;
  readonly storedSamples: number;
  /** Seconds from the last publication until everything acknowledged was stored and the backlog was empty. */
  readonly drainSeconds: number;
  readonly consumerPendingAfter: number;
  readonly writerPendingAfter: number;
}

function rssOf(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** The gauges a soak follows from `/metrics`; NaN when the engine does not answer within 10 s (its event loop is stuck). */
async function engineGauges(http: string): Promise<{ writerPending: number; alertsOpen: number; heapUsedBytes: number; heapTotalBytes: number }> {
  let text = '';
  try {
    text = await (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  } catch {
    // Every gauge NaN below.
  }
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    writerPending: gauge('perf_engine_store_pending_samples'),
    alertsOpen: gauge('perf_engine_alerts_open'),
    heapUsedBytes: gauge('nodejs_heap_size_used_bytes'),
    heapTotalBytes: gauge('nodejs_heap_size_total_bytes'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a soak: starts the publisher process, samples the engine while it publishes, then waits
 * until what was acknowledged is stored and the backlog is empty, and counts what was stored.
 */
export async function runSoak(target: SoakTarget, o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const nc = await connect({ servers: target.natsUrl });
  const jsm = await jetstreamManager(nc);
  const stream = streamNameFor(target.prefix, 'PERF_ENGINE_INGEST');
  const consumerPending = async () => {
    const info = await jsm.consumers.info(stream, 'performance_engine');
    return info.num_pending + info.num_ack_pending;
  };
  const storedSnapshots = async () => Number((await target.query<{ n: string }>('SELECT count(*)::text AS n FROM metric_snapshots'))[0]!.n);
  const read = async (t0: number, pub: PublisherReport | null): Promise<SoakSample> => ({
    t: (Date.now() - t0) / 1000,
    rssBytes: rssOf(target.pid),
    consumerPending: await consumerPending(),
    ...(await engineGauges(target.http)),
    storedSnapshots: await storedSnapshots(),
    pub,
  });
  try {
    const before = await storedSnapshots();
    const rssAtStart = rssOf(target.pid);
    const child = fork(fileURLToPath(new URL('./soak-publisher.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env, SOAK_NATS_URL: target.natsUrl, SOAK_PREFIX: target.prefix, SOAK_SOURCES: String(o.sources), SOAK_METRICS: String(o.metrics),
        SOAK_SECONDS: String(o.seconds), SOAK_INTERVAL_MS: String(o.intervalMs), SOAK_REPORT_MS: String(o.sampleMs), SOAK_RUN: o.run,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let last: PublisherReport | null = null;
    child.on('message', (m) => (last = m as PublisherReport));
    // 'close': after the last report has come through the channel ('exit' may come first).
    const exited = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
    const t0 = Date.now();
    const samples: SoakSample[] = [];
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      await Promise.race([sleep(o.sampleMs), exited]);
      if (!running) break;
      const s = await read(t0, last);
      samples.push(s);
      log(`t=${s.t.toFixed(0)}s sent ${s.pub?.sent ?? 0} acked ${s.pub?.acked ?? 0} stored ${s.storedSnapshots - before} pending ${s.consumerPending}/${s.writerPending} rss ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB (heap ${(s.heapUsedBytes / 2 ** 20).toFixed(0)}/${(s.heapTotalBytes / 2 ** 20).toFixed(0)}) alerts ${s.alertsOpen} lag p99 ${s.pub?.lagP99Ms.toFixed(0) ?? '-'} ms`);
    }
    const code = await exited;
    const final = last as PublisherReport | null;
    if (code !== 0 || !final?.done) throw new Error(`soak publisher exited with ${code} before its final report`);
    const endOfPublishing = Date.now();
    for (;;) {
      const s = await read(t0, final);
      const drained = s.storedSnapshots - before >= final.acked && s.consumerPending === 0 && s.writerPending === 0;
      if (drained || Number.isNaN(s.writerPending) || Date.now() - endOfPublishing > 120_000) break;
      await sleep(100);
    }
    const drainSeconds = (Date.now() - endOfPublishing) / 1000;
    const counts = await target.query<{ n: string; d: string; samples: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT (s.stream_id, s.ts))::text AS d, coalesce(sum(cardinality(ms.names)), 0)::text AS samples
       FROM metric_snapshots s JOIN metric_streams st ON st.id = s.stream_id JOIN metric_sets ms ON ms.id = s.set_id
       WHERE st.source LIKE '${o.run.replace(/[^A-Za-z0-9_-]/g, '')}-src-%'`,
    );
    return {
      samples, rssAtStart, final, drainSeconds,
      stored: Number(counts[0]!.n), storedDistinct: Number(counts[0]!.d), storedSamples: Number(counts[0]!.samples),
      consumerPendingAfter: await consumerPending(), writerPendingAfter: (await engineGauges(target.http)).writerPending,
    };
  } finally {
    await nc.close();
  }
}
