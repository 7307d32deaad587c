import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ReportSchema } from '../report/report-schema.js';
import { WIRE_SCHEMAS, jsonSchemaDocument } from '../wire/catalog.js';
import { println } from './shared.js';

/** `perf-engine schemas`: exports the wire schemas, and the report document's (report.schema.json), as JSON Schema files. */
export default function schemasCommand(): Command {
  return new Command('schemas')
    .description('write the JSON Schema of every NATS message and of the report document to a folder (default ./schemas)')
    .option('-o, --out <dir>', 'output folder', 'schemas')
    .action((opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      for (const w of WIRE_SCHEMAS) {
        const file = join(opts.out, `${w.subject}.schema.json`);
        writeFileSync(file, `${JSON.stringify(jsonSchemaDocument(w.subject, w.schema), null, 2)}\n`);
        println(file);
      }
      const report = join(opts.out, 'report.schema.json');
      writeFileSync(report, `${JSON.stringify(jsonSchemaDocument('report', ReportSchema), null, 2)}\n`);
      println(report);
    });
}
