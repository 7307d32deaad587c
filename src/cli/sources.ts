import { Command } from 'commander';
import { listSources, type KnownSource } from '../store/metric-queries.js';
import { CliError } from './cli-error.js';
import { fetchEngine, loadCliConfig, println, table, withConfigOption, withDirectDb } from './shared.js';

/** `perf-engine sources`: known sources with their last-seen time. */
export default function sourcesCommand(): Command {
  return withConfigOption(new Command('sources'))
    .description('list known sources (agents, hosts, processes) with first and last seen times')
    .option('--json', 'print a JSON array')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { config } = loadCliConfig(opts.config);
      let sources = await withDirectDb(config, (db) => listSources(db));
      if (sources === null) {
        const body = (await fetchEngine(config, '/api/v1/sources')) as { sources: KnownSource[] } | null;
        if (!body) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
        sources = body.sources;
      }
      if (opts.json) {
        println(JSON.stringify(sources));
        return;
      }
      if (sources.length === 0) {
        println('no sources yet');
        return;
      }
      println(
        table(
          ['SOURCE', 'HOST', 'LAST SEEN', 'FIRST SEEN', 'LABELS'],
          sources.map((s) => [s.source, s.host ?? '-', s.lastSeen, s.firstSeen, JSON.stringify(s.labels)]),
        ),
      );
    });
}
