import { Command } from 'commander';
import { listBottlenecks, type BottleneckView } from '../diagnose/stage/bottleneck-repo.js';
import { isValidName } from '../model/metric-names.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { CliError, usageError } from './cli-error.js';
import { engineHeaders, engineUrl, loadCliConfig, println, table, withConfigOption, withDirectDb } from './shared.js';

interface Flags {
  config?: string;
  active?: boolean;
  source?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

function print(list: readonly BottleneckView[]): void {
  if (list.length === 0) return println('no bottlenecks');
  println(
    table(
      ['BOTTLENECK', 'STATUS', 'SEVERITY', 'KIND', 'SOURCE', 'DETECTED', 'RESOLVED', 'SUMMARY'],
      list.map((b) => [b.bottleneck_id, b.status, b.severity, b.kind, b.source, b.detected_at, b.resolved_at ?? '-', b.summary]),
    ),
  );
}

/** `perf-engine bottlenecks`: the bottlenecks diagnosed, newest first. */
export default function bottlenecksCommand(): Command {
  return withConfigOption(new Command('bottlenecks'))
    .description('list diagnosed bottlenecks, newest first (kind, source, summary; --json adds evidence and recommendations)')
    .option('--active', 'only bottlenecks still active')
    .option('--source <name>', 'only this source')
    .option('--since <time>', `detected at or after: ${TIME_ARG_HELP}`)
    .option('--limit <n>', 'most bottlenecks shown', '100')
    .option('--json', 'print a JSON array with evidence and recommendations')
    .action(async (flags: Flags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw usageError(`--limit "${flags.limit}": expected an integer from 1 to 10000`);
      if (flags.source !== undefined && !isValidName(flags.source)) throw usageError(`--source "${flags.source}": expected 1-128 characters of A-Z a-z 0-9 _ . : -`);
      const since = flags.since === undefined ? undefined : parseTimeArg(flags.since, Date.now());
      if (since !== undefined && Number.isNaN(since)) throw usageError(`--since "${flags.since}": expected ${TIME_ARG_HELP}`);
      const { config } = loadCliConfig(flags.config);
      const filter = { active: flags.active === true, source: flags.source, since, limit };
      let list = await withDirectDb(config, (db) => listBottlenecks(db, filter));
      if (list === null) {
        const q = new URLSearchParams({ limit: String(limit), ...(flags.active ? { active: 'true' } : {}), ...(flags.source ? { source: flags.source } : {}), ...(since !== undefined ? { since: String(since) } : {}) });
        let res: Response;
        try {
          res = await fetch(`${engineUrl(config)}/api/v1/bottlenecks?${q}`, { headers: engineHeaders(config, 'read'), signal: AbortSignal.timeout(10_000) });
        } catch {
          throw new CliError('the data folder is held by an engine that does not answer over HTTP');
        }
        const body = (await res.json()) as { bottlenecks?: BottleneckView[]; error?: { message?: string } };
        if (!res.ok || !body.bottlenecks) throw new CliError(body.error?.message ?? `engine answered ${res.status}`);
        list = body.bottlenecks;
      }
      if (flags.json) println(JSON.stringify(list));
      else print(list);
    });
}
