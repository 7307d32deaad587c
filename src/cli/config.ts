import { Command } from 'commander';
import { ConfigStore } from '../config/config-store.js';
import { describeConfig } from '../engine/engine.js';
import { loadCliConfig, println, table, withConfigOption } from './shared.js';

/** `perf-engine config`: the effective configuration with each value's origin, secrets masked. */
export default function configCommand(): Command {
  return withConfigOption(new Command('config'))
    .description('print the effective configuration and where each value comes from (secrets masked)')
    .option('--json', 'print JSON')
    .action((opts: { config?: string; json?: boolean }) => {
      const described = describeConfig(new ConfigStore(loadCliConfig(opts.config)));
      if (opts.json) {
        println(JSON.stringify(described, null, 2));
        return;
      }
      println(
        table(
          ['KEY', 'VALUE', 'ORIGIN'],
          Object.entries(described).map(([k, v]) => [k, JSON.stringify(v.value), v.origin]),
        ),
      );
    });
}
