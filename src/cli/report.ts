import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { isValidName } from '../model/metric-names.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { renderReport } from '../report/render-report.js';
import { REPORT_FORMATS, type Report, type ReportFormat } from '../report/report-schema.js';
import { gatherReport } from '../report/stage/gather-report.js';
import { storeLayout } from '../store/history-query.js';
import { CliError, usageError } from './cli-error.js';
import { fetchEngine, loadCliConfig, withConfigOption, withDirectDb } from './shared.js';

interface Flags {
  config?: string;
  since: string;
  until: string;
  source?: string[];
  format?: string;
  out?: string;
}

const EXTENSIONS: Readonly<Record<string, ReportFormat>> = { htm: 'html', html: 'html', md: 'md', markdown: 'md', json: 'json' };

/** The format asked for, else the one the output file's extension names, else Markdown. */
function formatOf(flags: Flags): ReportFormat {
  const ext = flags.out?.match(/\.(html?|md|markdown|json)$/i)?.[1]?.toLowerCase();
  const f = flags.format ?? (ext === undefined ? 'md' : (EXTENSIONS[ext] ?? 'md'));
  if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw usageError(`--format "${f}": expected ${REPORT_FORMATS.join(', ')}`);
  return f as ReportFormat;
}

function timeOf(name: string, text: string, now: number): number {
  const t = parseTimeArg(text, now);
  if (Number.isNaN(t)) throw usageError(`--${name} "${text}": expected ${TIME_ARG_HELP}`);
  return t;
}

/** `perf-engine report`: a period's report in HTML, Markdown or JSON (docs/reports.md). */
export default function reportCommand(): Command {
  return withConfigOption(new Command('report'))
    .description('a report of a period: health per source, charts with alerts and bottlenecks, bottlenecks, profiles, optimizations, capacity outlook')
    .option('--since <time>', `start of the period: ${TIME_ARG_HELP}`, '24h')
    .option('--until <time>', `end of the period: ${TIME_ARG_HELP}`, 'now')
    .option('--source <names...>', 'only these sources')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default: from --out's extension, else md)`)
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (flags: Flags) => {
      const now = Date.now();
      const since = timeOf('since', flags.since, now);
      const until = timeOf('until', flags.until, now);
      if (since >= until) throw usageError('--since must be before --until');
      const format = formatOf(flags);
      const sources = flags.source ?? [];
      for (const s of sources) if (!isValidName(s)) throw usageError(`--source "${s}": expected 1-128 characters of A-Z a-z 0-9 _ . : -`);
      const { config } = loadCliConfig(flags.config);
      let report = await withDirectDb(config, (db) => gatherReport(db, { since, until, sources, now, layout: storeLayout(config) }));
      if (report === null) {
        const q = new URLSearchParams({ since: String(since), until: String(until), format: 'json' });
        for (const s of sources) q.append('source', s);
        const body = (await fetchEngine(config, `/api/v1/report?${q}`, 60_000)) as { report?: Report } | null;
        if (!body?.report) throw new CliError('the data folder is held by an engine that does not answer over HTTP');
        report = body.report;
      }
      const text = renderReport(report, format);
      if (flags.out) writeFileSync(flags.out, text);
      else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
