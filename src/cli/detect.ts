import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { formatScoresCsv, parseSeriesCsv, scoreSeries, SeriesCsvError, type DetectorOptions } from '../detect/anomaly/index.js';
import { CliError, usageError } from './cli-error.js';

interface DetectOptions {
  input?: string;
  output?: string;
  inputDir?: string;
  outputDir?: string;
}

function errorCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}

/**
 * Scores one `timestamp,value` CSV with a fresh detector and writes `timestamp,value,anomaly_score`;
 * returns the number of rows. Throws CliError naming the file (and line) on bad input. `options`
 * override the detector's defaults (benchmarks; the CLI always uses the defaults).
 */
export function detectFile(input: string, output: string, options?: Partial<DetectorOptions>): number {
  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (err) {
    throw new CliError(`${input}: cannot read (${errorCode(err)})`);
  }
  let rows;
  try {
    rows = parseSeriesCsv(text);
  } catch (err) {
    if (err instanceof SeriesCsvError) throw new CliError(`${input}: ${err.message}`);
    throw err;
  }
  const csv = formatScoresCsv(rows, scoreSeries(rows, options));
  try {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, csv);
  } catch (err) {
    throw new CliError(`${output}: cannot write (${errorCode(err)})`);
  }
  return rows.length;
}

/** The `.csv` files under `dir` (dot-files skipped), as sorted paths relative to it. */
export function listCsv(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.csv')) out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** Scores every CSV under `inputDir` into the same relative path under `outputDir`; returns files and rows. */
export function detectTree(inputDir: string, outputDir: string, options?: Partial<DetectorOptions>): { files: number; rows: number } {
  let isDir = false;
  try {
    isDir = statSync(inputDir).isDirectory();
  } catch (err) {
    throw new CliError(`${inputDir}: cannot read (${errorCode(err)})`);
  }
  if (!isDir) throw new CliError(`${inputDir}: not a directory`);
  const files = listCsv(inputDir);
  if (files.length === 0) throw new CliError(`${inputDir}: no .csv files`);
  let rows = 0;
  for (const rel of files) rows += detectFile(join(inputDir, rel), join(outputDir, rel), options);
  return { files: files.length, rows };
}

/** `perf-engine detect`: the online anomaly detector over CSV files, without any service. */
export default function detectCommand(): Command {
  return new Command('detect')
    .description('score a timestamp,value CSV with the online anomaly detector (offline, no service needed)')
    .option('-i, --input <file>', 'input CSV with a header and timestamp,value columns (RFC 3339 or YYYY-MM-DD HH:MM:SS, UTC)')
    .option('-o, --output <file>', 'output CSV: timestamp,value,anomaly_score, same rows in the same order')
    .option('--input-dir <dir>', 'score every .csv under this folder (e.g. a NAB data tree)')
    .option('--output-dir <dir>', 'write each result at the same relative path under this folder')
    .action((opts: DetectOptions) => {
      const single = opts.input !== undefined || opts.output !== undefined;
      const tree = opts.inputDir !== undefined || opts.outputDir !== undefined;
      if (single && tree) throw usageError('use either --input/--output or --input-dir/--output-dir, not both');
      if (tree) {
        if (!opts.inputDir || !opts.outputDir) throw usageError('--input-dir and --output-dir go together');
        const { files, rows } = detectTree(opts.inputDir, opts.outputDir);
        process.stderr.write(`scored ${rows} rows in ${files} files into ${opts.outputDir}\n`);
        return;
      }
      if (!opts.input || !opts.output) throw usageError('--input and --output are required');
      detectFile(opts.input, opts.output);
    });
}
