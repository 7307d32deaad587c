import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { WIRE_SCHEMAS, jsonSchemaDocument } from '../wire/catalog.js';
import { println } from './shared.js';

/** `perf-engine schemas`: exports the wire schemas as JSON Schema files. */
export default function schemasCommand(): Command {
  return new Command('schemas')
    .description('write the JSON Schema of every NATS message to a folder (default ./schemas)')
    .option('-o, --out <dir>', 'output folder', 'schemas')
    .action((opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      for (const w of WIRE_SCHEMAS) {
        const file = join(opts.out, `${w.subject}.schema.json`);
        writeFileSync(file, `${JSON.stringify(jsonSchemaDocument(w.subject, w.schema), null, 2)}\n`);
        println(file);
      }
    });
}
