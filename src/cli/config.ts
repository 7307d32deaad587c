import { Command } from 'commander';
import { ConfigStore } from '../config/config-store.js';
import { describeConfig } from '../engine/engine.js';
import { engineUrl, fetchEngine, loadCliConfig, println, table, withConfigOption } from './shared.js';

type Described = Record<string, { value: unknown; origin: string }>;

/**
 * `perf-engine config`: the effective configuration with each value's origin, secrets masked.
 * A running engine may have taken live updates since it started, so it is asked first; the
 * command's own view (defaults, file, environment) is shown only when no engine answers, or with
 * `--local`. The first line says which one is shown.
 */
export default function configCommand(): Command {
  return withConfigOption(new Command('config'))
    .description(
      'print the configuration of the running engine (live updates included), or the local one when no engine answers, ' +
        'with where each value comes from (secrets masked); the first line says which',
    )
    .option('--local', 'show the configuration this command reads (defaults, --config file, environment) without asking the engine')
    .option('--json', 'print JSON (the same object as GET /api/v1/config); the line saying which configuration goes to stderr')
    .action(async (opts: { config?: string; local?: boolean; json?: boolean }) => {
      const loaded = loadCliConfig(opts.config);
      const url = engineUrl(loaded.config);
      const running = opts.local ? null : ((await fetchEngine(loaded.config, '/api/v1/config')) as Described | null);
      const described = running ?? describeConfig(new ConfigStore(loaded));
      const header = running
        ? `configuration of the running engine at ${url}`
        : opts.local
          ? 'local configuration (--local: the engine was not asked)'
          : `local configuration: no engine answered at ${url}`;
      if (opts.json) {
        // stdout stays one JSON document for scripts; the note is for the person reading.
        process.stderr.write(`${header}\n`);
        println(JSON.stringify(described, null, 2));
        return;
      }
      println(header);
      println(
        table(
          ['KEY', 'VALUE', 'ORIGIN'],
          Object.entries(described).map(([k, v]) => [k, JSON.stringify(v.value), v.origin]),
        ),
      );
    });
}
