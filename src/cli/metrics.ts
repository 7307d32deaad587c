import { Command } from 'commander';
import { isValidName } from '../model/metric-names.js';
import type { Sample } from '../model/snapshot.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { querySeries } from '../store/metric-queries.js';
import { CliError, usageError } from './cli-error.js';
import { fetchEngine, loadCliConfig, println, withConfigOption, withDirectDb } from './shared.js';

interface MetricsOptions {
  config?: string;
  source: string;
  metric: string;
  since: string;
  until?: string;
  json?: boolean;
}

/** `perf-engine metrics`: reads stored samples of one series. */
export default function metricsCommand(): Command {
  return withConfigOption(new Command('metrics'))
    .description('print stored samples of one series')
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
