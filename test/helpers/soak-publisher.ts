/**
 * The soak's publishers, run as their own process (`node --import tsx soak-publisher.ts`) so that
 * their CPU and memory are not the engine's: `SOAK_SOURCES` sources each send one snapshot of
 * `SOAK_METRICS` metrics every `SOAK_INTERVAL_MS` for `SOAK_SECONDS`, as NATS requests on
 * `<SOAK_PREFIX>monitoring.realtime_metrics` (the engine answers after the commit). Each send is
 * made once, never retried, so that a stored count above the acknowledged one means doubling.
 * Every `SOAK_REPORT_MS` the process sends its tallies to the parent over IPC; at the end it sends
 * the final tallies with `done: true` and exits.
 */
import { connect } from '@nats-io/transport-node';

/** What the publisher process reports to its parent. */
export interface PublisherReport {
  readonly at: number;
  /** Requests sent so far. */
  readonly sent: number;
  /** Replies with `ok: true` and every sample counted. */
  readonly acked: number;
  /** Replies refusing the snapshot, or timeouts and errors. */
  readonly refused: number;
  readonly failed: number;
  /** Request-to-commit-reply latency over the interval since the last report, ms. */
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  /** How late the publishing ticks ran behind schedule at most in the interval, ms (publisher saturation). */
  readonly tickLateMs: number;
  readonly firstError?: string;
  readonly done: boolean;
}

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const SOURCES = Number(env('SOAK_SOURCES', '1000'));
const METRICS = Number(env('SOAK_METRICS', '20'));
const SECONDS = Number(env('SOAK_SECONDS', '600'));
const INTERVAL_MS = Number(env('SOAK_INTERVAL_MS', '1000'));
const REPORT_MS = Number(env('SOAK_REPORT_MS', '10000'));
const SUBJECT = `${env('SOAK_PREFIX', '')}monitoring.realtime_metrics`;
const RUN = env('SOAK_RUN', 'soak');

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const nc = await connect({ servers: env('SOAK_NATS_URL', 'nats://127.0.0.1:4222'), name: `${RUN}-publishers` });
  const names = Array.from({ length: METRICS }, (_, i) => `soak_metric_${i}`);
  const t = { sent: 0, acked: 0, refused: 0, failed: 0, tickLateMs: 0, firstError: undefined as string | undefined };
  let lags: number[] = [];
  let inFlight = 0;
  const report = (done: boolean) => {
    const sorted = lags.sort((a, b) => a - b);
    const r: PublisherReport = {
      at: Date.now(), sent: t.sent, acked: t.acked, refused: t.refused, failed: t.failed,
      lagP50Ms: quantile(sorted, 0.5), lagP99Ms: quantile(sorted, 0.99), lagMaxMs: sorted.at(-1) ?? 0,
      tickLateMs: t.tickLateMs, ...(t.firstError ? { firstError: t.firstError } : {}), done,
    };
    lags = [];
    t.tickLateMs = 0;
    process.send?.(r);
  };
  const sendOne = (source: number, ts: number, tick: number) => {
    const metrics: Record<string, number> = {};
    for (let m = 0; m < METRICS; m++) metrics[names[m]!] = Math.round(((source * 31 + m * 7 + tick) % 1000) * 10) / 100;
    const body = JSON.stringify({ source: `${RUN}-src-${source}`, host: 'soak-host', timestamp: ts, metrics });
    const t0 = performance.now();
    t.sent++;
    inFlight++;
    nc.request(SUBJECT, body, { timeout: 60_000 }).then(
      (m) => {
        const reply = m.json<{ ok: boolean; samples?: number; error?: { code: string } }>();
        if (reply.ok && reply.samples === METRICS) t.acked++;
        else {
          t.refused++;
          t.firstError ??= JSON.stringify(reply).slice(0, 300);
        }
        lags.push(performance.now() - t0);
      },
      (err: unknown) => {
        t.failed++;
        t.firstError ??= String(err).slice(0, 300);
      },
    ).finally(() => inFlight--);
  };
  const start = Math.ceil(Date.now() / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS;
  const ticks = Math.round((SECONDS * 1000) / INTERVAL_MS);
  const reporter = setInterval(() => report(false), REPORT_MS);
  for (let tick = 0; tick < ticks; tick++) {
    const due = start + tick * INTERVAL_MS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    t.tickLateMs = Math.max(t.tickLateMs, Date.now() - due);
    // Spread a tick's sources over the first half of the interval, as independent agents would be.
    const slices = 10;
    for (let s = 0; s < slices; s++) {
      for (let i = s; i < SOURCES; i += slices) sendOne(i, due, tick);
      await new Promise((r) => setTimeout(r, INTERVAL_MS / 2 / slices));
    }
  }
  const deadline = Date.now() + 90_000;
  while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(reporter);
  report(true);
  await nc.drain();
}

main().catch((err: unknown) => {
  process.stderr.write(`soak publisher failed: ${String(err)}\n`);
  process.exitCode = 1;
});
