import { createSeriesDetector } from './series-detector.js';
import type { DetectorOptions } from './options.js';

/** One data row of a `timestamp,value` CSV, with the original text kept for writing it back. */
export interface SeriesRow {
  readonly timestampText: string;
  readonly valueText: string;
  /** Epoch milliseconds (UTC). */
  readonly timestamp: number;
  readonly value: number;
}

/** A malformed series CSV; `line` is 1-based, counting the header. */
export class SeriesCsvError extends Error {
  override readonly name = 'SeriesCsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses an RFC 3339 timestamp, or NAB's `YYYY-MM-DD HH:MM:SS` without zone (read as UTC), to epoch
 * milliseconds; NaN when the text is neither or names an impossible date.
 */
export function parseSeriesTimestamp(text: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  if (new Date(ms).getUTCDate() !== day) return Number.NaN;
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const zone = m[8];
  let offsetMinutes = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  return ms + fraction - offsetMinutes * 60_000;
}

function unquote(field: string): string {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/**
 * Parses a CSV with a header naming `timestamp` and `value` columns (others are ignored); LF or CRLF
 * line ends, blank lines skipped. Throws {@link SeriesCsvError} naming the first bad line.
 */
export function parseSeriesCsv(text: string): SeriesRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  let headerLine = 0;
  while (headerLine < lines.length && lines[headerLine]!.trim() === '') headerLine++;
  if (headerLine >= lines.length) throw new SeriesCsvError('empty file: a header row "timestamp,value" is required', 1);
  const header = lines[headerLine]!.replace(/\r$/, '').split(',').map(unquote);
  const tsCol = header.indexOf('timestamp');
  const valueCol = header.indexOf('value');
  if (tsCol < 0 || valueCol < 0) {
    throw new SeriesCsvError(`header "${header.join(',')}" must name the columns timestamp and value`, headerLine + 1);
  }
  const rows: SeriesRow[] = [];
  for (let i = headerLine + 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length < header.length) {
      throw new SeriesCsvError(`${fields.length} fields, the header has ${header.length}`, i + 1);
    }
    const timestampText = unquote(fields[tsCol]!);
    const valueText = unquote(fields[valueCol]!);
    const timestamp = parseSeriesTimestamp(timestampText);
    if (Number.isNaN(timestamp)) {
      throw new SeriesCsvError(`timestamp "${timestampText}" is neither RFC 3339 nor YYYY-MM-DD HH:MM:SS`, i + 1);
    }
    const value = NUMBER_RE.test(valueText) ? Number(valueText) : Number.NaN;
    if (!Number.isFinite(value)) throw new SeriesCsvError(`value "${valueText}" is not a finite number`, i + 1);
    rows.push({ timestampText, valueText, timestamp, value });
  }
  return rows;
}

/**
 * Runs one fresh detector over the rows in their order (NAB's rule: a row's score uses only that row
 * and earlier ones); one score per row, 0 for rows older than an earlier one.
 */
export function scoreSeries(rows: readonly SeriesRow[], options?: Partial<DetectorOptions>): Float64Array {
  const detector = createSeriesDetector(options);
  const scores = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) scores[i] = detector.update(rows[i]!.timestamp, rows[i]!.value);
  return scores;
}

/** Formats a score with enough digits to keep distinct scores distinct. */
function formatScore(score: number): string {
  return score === 0 ? '0' : String(Number(score.toPrecision(10)));
}

/** Writes `timestamp,value,anomaly_score` CSV text (LF line ends) with each row's original text. */
export function formatScoresCsv(rows: readonly SeriesRow[], scores: ArrayLike<number>): string {
  if (rows.length !== scores.length) throw new RangeError(`${rows.length} rows but ${scores.length} scores`);
  const out = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.push(`${r.timestampText},${r.valueText},${formatScore(scores[i]!)}`);
  }
  return `${out.join('\n')}\n`;
}
