import { Command } from 'commander';
import { isValidName } from '../model/metric-names.js';
import type { Sample } from '../model/snapshot.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import type { Config } from '../config/schema.js';
import { listMetrics, listSources, querySeries, type KnownSource } from '../store/metric-queries.js';
import { CliError, usageError } from './cli-error.js';
import { closeNames } from './close-names.js';
import { fetchEngine, loadCliConfig, println, withConfigOption, withDirectDb } from './shared.js';

interface MetricsOptions {
  config?: string;
  source: string;
  metric: string;
  since: string;
  until?: string;
  json?: boolean;
}

/** The known sources and the metrics `source` has reported: from the database, or from the engine holding it. */
async function knownNames(config: Config, source: string): Promise<{ sources: string[]; metrics: string[] }> {
  const direct = await withDirectDb(config, async (db) => ({
    sources: (await listSources(db)).map((s) => s.source),
    metrics: await listMetrics(db, source),
  }));
  if (direct) return direct;
  const s = (await fetchEngine(config, '/api/v1/sources', 30_000)) as { sources: KnownSource[] } | null;
  const m = (await fetchEngine(config, `/api/v1/metrics?${new URLSearchParams({ source })}`, 30_000)) as { metrics: string[] } | null;
  if (!s || !m) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
  return { sources: s.sources.map((x) => x.source), metrics: m.metrics };
}

const suggest = (names: readonly string[]) => (names.length > 0 ? `; close names: ${names.join(', ')}` : '');

/**
 * Called when a query found no samples: a series that does not exist at all (a mistyped source or
 * metric) is an error naming the close names, rather than an empty answer that looks like a quiet series.
 */
async function checkSeriesExists(config: Config, source: string, metric: string): Promise<void> {
  const known = await knownNames(config, source);
  if (!known.sources.includes(source)) {
    throw new CliError(`unknown source "${source}": no samples were ever stored for it${suggest(closeNames(source, known.sources))} (see perf-engine sources)`);
  }
  if (!known.metrics.includes(metric)) {
    throw new CliError(`source "${source}" has no metric "${metric}"${suggest(closeNames(metric, known.metrics))}`);
  }
}

/** `perf-engine metrics`: reads stored samples of one series; exit code 1 when the source or metric is unknown. */
export default function metricsCommand(): Command {
  return withConfigOption(new Command('metrics'))
    .description('print stored samples of one series (exit code 1 when no such source or metric was ever stored)')
    .requiredOption('-s, --source <source>', 'source name (agent, host or process)')
    .requiredOption('-m, --metric <metric>', 'metric name, e.g. cpu_usage')
    .option('--since <time>', `start: ${TIME_ARG_HELP}`, '1h')
    .option('--until <time>', `end (default now): ${TIME_ARG_HELP}`)
    .option('--json', 'print one JSON array of {"timestamp", "value"} in time order')
    .action(async (opts: MetricsOptions) => {
      if (!isValidName(opts.source)) throw usageError(`--source "${opts.source}": must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
      if (!isValidName(opts.metric)) throw usageError(`--metric "${opts.metric}": must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
      const now = Date.now();
      const from = parseTimeArg(opts.since, now);
      const until = opts.until === undefined ? now : parseTimeArg(opts.until, now);
      if (Number.isNaN(from)) throw usageError(`--since "${opts.since}": expected ${TIME_ARG_HELP}`);
      if (Number.isNaN(until)) throw usageError(`--until "${opts.until}": expected ${TIME_ARG_HELP}`);
      if (until < from) throw usageError('--until is before --since');
      const { config } = loadCliConfig(opts.config);
      let samples: Sample[] | null = await withDirectDb(config, (db) => querySeries(db, opts.source, opts.metric, from, until));
      if (samples === null) {
        const q = new URLSearchParams({
          source: opts.source,
          metric: opts.metric,
          since: new Date(from).toISOString(),
          until: new Date(until).toISOString(),
        });
        const body = (await fetchEngine(config, `/api/v1/series?${q}`, 30_000)) as {
          samples: { timestamp: string; value: number }[];
        } | null;
        if (!body) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
        samples = body.samples.map((s) => ({ timestamp: Date.parse(s.timestamp), value: s.value }));
      }
      if (samples.length === 0) await checkSeriesExists(config, opts.source, opts.metric);
      const rows = samples.map((s) => ({ timestamp: new Date(s.timestamp).toISOString(), value: s.value }));
      if (opts.json) {
        println(JSON.stringify(rows));
        return;
      }
      if (rows.length === 0) {
        println(`no samples of ${opts.source} ${opts.metric} between ${new Date(from).toISOString()} and ${new Date(until).toISOString()}`);
        return;
      }
      for (const r of rows) println(`${r.timestamp}  ${r.value}`);
    });
}
