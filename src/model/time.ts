const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90s`, `15m`, `1h`, `7d`, `500ms`, `1.5h` to milliseconds; NaN when invalid. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/**
 * Parses an RFC 3339 date-time with a zone (`Z` or an offset; seconds and the offset's colon
 * optional) to epoch ms, NaN when it is not a real time. Every field is range-checked because
 * `Date.parse` rolls impossible dates over (`2026-02-30` becomes March 2, `T24:00` the next day).
 * Leap seconds (`:60`) are refused, as `Date` cannot hold them. Fractions past milliseconds are cut.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339_RE.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const [offHours, offMinutes] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59 || offHours > 23 || offMinutes > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, ms);
  return t.getTime() - (m[8] === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
}

/**
 * Parses a time argument: a duration back from `now` (`90s`, `15m`, `1h`, `7d`), `now`, an RFC 3339
 * time, or epoch milliseconds. Returns epoch ms, or NaN when the text is none of those.
 */
export function parseTimeArg(text: string, now: number): number {
  const t = text.trim();
  if (t === 'now') return now;
  const d = parseDuration(t);
  if (!Number.isNaN(d)) return now - d;
  const rfc = parseRfc3339(t);
  if (!Number.isNaN(rfc)) return rfc;
  // Any count of milliseconds, 0 (the epoch: "everything") included, as the help promises.
  if (/^\d{1,16}$/.test(t)) return Number(t);
  return NaN;
}

/** What `parseTimeArg` accepts, for error messages. */
export const TIME_ARG_HELP = 'a duration back from now (90s, 15m, 1h, 7d), "now", an RFC 3339 time, or epoch milliseconds';

/** A number as a person reads it: 1,234 / 56.7 / 5.66 (at most three significant decimals). */
export function formatNumber(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1).replace(/\.0$/, '');
  return x.toFixed(2).replace(/\.?0+$/, '');
}

/** A duration in milliseconds as a person reads it: "45 s", "3 min", "90 min", "3 h", "2.31 d". */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${formatNumber(seconds / 3600)} h`;
  return `${formatNumber(seconds / 86_400)} d`;
}
