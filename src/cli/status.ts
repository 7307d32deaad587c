import { Command } from 'commander';
import pino from 'pino';
import { openBus } from '../bus/open-bus.js';
import { describeDb } from '../store/open-db.js';
import { storeCounts, type StoreCounts } from '../store/metric-queries.js';
import type { Config } from '../config/schema.js';
import { engineUrl, fetchEngine, loadCliConfig, println, withConfigOption, withDirectDb } from './shared.js';
import { natsAuth } from '../bus/nats-settings.js';

async function probeNats(config: Config): Promise<{ connected: boolean; server: string; error?: string }> {
  const bus = await openBus({
      url: config.nats_url,
      name: 'perf-engine-status',
      ...natsAuth(config),
      log: pino({ level: 'silent' }),
      signal: AbortSignal.timeout(3000),
    }).catch((err: unknown) => ({ error: String(err) }));
  if ('error' in bus) return { connected: false, server: config.nats_url ?? 'default', error: bus.error };
  const s = bus.status();
  await bus.close();
  return s.kind === 'memory'
    ? { connected: false, server: 'nats://127.0.0.1:4222', error: 'no server answers' }
    : { connected: true, server: s.server };
}

/**
 * The parts that are down, each with its reason: the database (as the engine or this command sees
 * it), the engine's bus and components, and NATS when `NATS_URL` is set (unset, the engine falls
 * back to an in-process bus, so an absent server is not a fault).
 */
function downParts(
  config: Config,
  engine: Record<string, unknown> | null,
  counts: StoreCounts | { error: string } | null,
  nats: { connected: boolean; error?: string } | null,
): string[] {
  const down: string[] = [];
  const db = engine?.database as { ok?: boolean; error?: string } | undefined;
  if (db && db.ok === false) down.push(`database (${db.error ?? 'not answering'})`);
  else if (counts && 'error' in counts) down.push(`database (${counts.error})`);
  const bus = engine?.bus as { connected?: boolean; state?: string } | undefined;
  if (bus && bus.connected === false) down.push(`bus (${bus.state ?? 'disconnected'})`);
  if (engine && engine.ready === false && down.length === 0) down.push('engine (not ready: see /readyz)');
  if (nats && !nats.connected && config.nats_url) down.push(`nats (${nats.error ?? 'not reachable'})`);
  return down;
}

/** `perf-engine status`: the running engine's state, or the stores' state when none runs; exit code 1 when a part is down. */
export default function statusCommand(): Command {
  return withConfigOption(new Command('status'))
    .description('show connections, last collection tick and counts (from the running engine, or directly); exit code 1 when a part is down')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { config } = loadCliConfig(opts.config);
      const engine = (await fetchEngine(config, '/api/v1/status')) as Record<string, unknown> | null;
      const where = describeDb({ databaseUrl: config.database_url, schema: config.database_schema, dataDir: config.data_dir });
      let counts: StoreCounts | { error: string } | null = null;
      try {
        counts = await withDirectDb(config, (db) => storeCounts(db));
      } catch (err) {
        counts = { error: (err as Error).message };
      }
      const nats = engine ? null : await probeNats(config);
      const down = downParts(config, engine, counts, nats);
      const report = {
        engine: engine ? { running: true, url: engineUrl(config), ...engine } : { running: false, url: engineUrl(config) },
        database: { where, counts },
        ...(nats ? { nats } : {}),
        down,
      };
      if (opts.json) println(JSON.stringify(report, null, 2));
      else printHuman(report.engine as Record<string, unknown>, where, counts, nats);
      if (down.length > 0) {
        process.stderr.write(`perf-engine: down: ${down.join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}

function printHuman(
  engine: Record<string, unknown>,
  where: string,
  counts: StoreCounts | { error: string } | null,
  nats: { connected: boolean; server: string; error?: string } | null,
): void {
  if (engine.running) {
    const bus = engine.bus as { kind: string; connected: boolean; server: string };
    const monitor = engine.monitor as { lastTickAt: string | null; intervalSeconds: number; ticks: number } | null;
    const ingest = engine.ingest as { mode: string; messages: number; samples: number; rejected: number; duplicates: number } | null;
    println(`engine:    running (pid ${String(engine.pid)}, since ${String(engine.started_at)}) at ${String(engine.url)}; ready: ${String(engine.ready)}`);
    println(`bus:       ${bus.kind} ${bus.server} ${bus.connected ? 'connected' : 'DISCONNECTED'}`);
    if (monitor) println(`monitor:   every ${monitor.intervalSeconds} s, ${monitor.ticks} ticks, last at ${monitor.lastTickAt ?? 'never'}`);
    if (ingest) {
      println(`ingest:    ${ingest.messages} messages (${ingest.mode}), ${ingest.samples} samples accepted, ${ingest.rejected} rejected, ${ingest.duplicates} seen again`);
    }
    const writer = engine.writer as { committedSamples: number; pendingSamples: number; lastCommitAt: number | null; retries: number } | null;
    if (writer) {
      const last = writer.lastCommitAt === null ? 'never' : new Date(writer.lastCommitAt).toISOString();
      println(`store:     ${writer.committedSamples} samples committed since start, ${writer.pendingSamples} pending, ${writer.retries} retries, last commit ${last}`);
    }
    const detection = engine.detection as { series: number; anomalies: number; late: number; microsPerSample: number } | null;
    if (detection) {
      println(`detection: ${detection.series} series, ${detection.anomalies} anomalies, ${detection.late} late samples skipped, ${detection.microsPerSample.toFixed(2)} us/sample`);
    }
    const alerting = engine.alerting as { evaluator: { open: number; tracked: number }; silences: number } | null;
    if (alerting) println(`alerting:  ${alerting.evaluator.open} open alerts over ${alerting.evaluator.tracked} tracked series rules, ${alerting.silences} silences`);
    const diagnosis = engine.diagnosis as { active: number; opened: number; resolved: number; unsaved?: number } | null;
    if (diagnosis) {
      const unsaved = diagnosis.unsaved ? `, ${diagnosis.unsaved} waiting to be saved` : '';
      println(`diagnosis: ${diagnosis.active} active bottlenecks (${diagnosis.opened} opened, ${diagnosis.resolved} resolved since start${unsaved})`);
    }
    const profiling = engine.profiling as { running: number; completed: number; failed: number } | null;
    if (profiling) println(`profiling: ${profiling.running} running, ${profiling.completed} completed, ${profiling.failed} failed`);
    printDelivery(engine.delivery as DeliveryLine | null);
    const optimization = engine.optimization as { proposals: number; judging: number; waiting?: number; verdicts: number; errors: number } | null;
    const waiting = optimization?.waiting ? `, ${optimization.waiting} to apply once their metrics have a before window` : '';
    if (optimization) println(`optimize:  ${optimization.judging} being judged${waiting}; ${optimization.proposals} proposed, ${optimization.verdicts} verdicts, ${optimization.errors} errors since start`);
  } else {
    println(`engine:    not running (nothing answers at ${String(engine.url)})`);
    if (nats) println(`nats:      ${nats.connected ? `reachable at ${nats.server}` : `not reachable (${nats.error ?? 'unknown'})`}`);
  }
  println(`database:  ${where}`);
  if (counts === null) println('counts:    (the embedded store is held by the running engine; see store above)');
  else if ('error' in counts) println(`counts:    unavailable: ${counts.error}`);
  else {
    println(`samples:   ${counts.samples} in ${counts.snapshots} snapshots from ${counts.streams} streams; newest ${counts.newestSample ?? 'none'}`);
    println(`stored:    ${counts.profiles} profiles, ${counts.bottlenecks} bottlenecks, ${counts.alerts} alerts`);
  }
}

/** What `status` shows of each delivery receiver. */
interface DeliveryLine {
  readonly receivers: readonly { name: string; type: string; sent: number; queued: number; dead_letters: number; dropped: number; last_error: string | null }[];
}

/** One line per delivery receiver: delivered, waiting, dead letters and the last error. */
function printDelivery(delivery: DeliveryLine | null): void {
  for (const r of delivery?.receivers ?? []) {
    const dropped = r.dropped > 0 ? `, ${r.dropped} dropped` : '';
    const error = r.last_error ? `; last error: ${r.last_error}` : '';
    println(`delivery:  ${r.name} (${r.type}) ${r.sent} sent, ${r.queued} queued, ${r.dead_letters} dead letters${dropped}${error}`);
  }
}
