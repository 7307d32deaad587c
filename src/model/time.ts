const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90s`, `15m`, `1h`, `7d`, `500ms`, `1.5h` to milliseconds; NaN when invalid. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAY_MS = 86_400_000;

function daysIn(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (any year, month 1-12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The value of `count` ASCII digits at `at`, or -1 when one of them is not a digit (or missing). */
function digitsAt(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses an RFC 3339 date-time with a zone (`Z` or an offset; seconds and the offset's colon
 * optional) to epoch ms, NaN when it is not a real time. Every field is range-checked because
 * `Date.parse` rolls impossible dates over (`2026-02-30` becomes March 2, `T24:00` the next day).
 * Leap seconds (`:60`) are refused, as `Date` cannot hold them. Fractions past milliseconds are cut.
 * It reads the characters in place and allocates nothing: it runs once per inbound snapshot.
 */
export function parseRfc3339(text: string): number {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const sep = text.charCodeAt(10);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return NaN;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58) return NaN; // '-', '-', ':'
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN; // 'T', 't', ' '
  let at = 16;
  let second = 0;
  let ms = 0;
  if (text.charCodeAt(at) === 58) {
    second = digitsAt(text, at + 1, 2);
    if (second < 0) return NaN;
    at += 3;
    if (text.charCodeAt(at) === 46) {
      // '.', then 1-9 digits: the first three are the milliseconds.
      let n = 0;
      at++;
      for (let d = text.charCodeAt(at) - 48; d >= 0 && d <= 9; d = text.charCodeAt(at) - 48) {
        if (n < 3) ms = ms * 10 + d;
        n++;
        at++;
      }
      if (n === 0 || n > 9) return NaN;
      for (let k = n; k < 3; k++) ms *= 10;
    }
  }
  const offset = zoneOffsetMinutes(text, at);
  if (Number.isNaN(offset)) return NaN;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offset) * 60 + second) * 1000 + ms;
}

/** The zone at `at` to the end of `text` (`Z`, `+hh:mm`, `+hhmm`, `-...`) in minutes east of UTC; NaN when it is not one. */
function zoneOffsetMinutes(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 90 || c === 122) return at + 1 === text.length ? 0 : NaN; // 'Z', 'z'
  if (c !== 43 && c !== 45) return NaN; // '+', '-'
  const hours = digitsAt(text, at + 1, 2);
  const colon = text.charCodeAt(at + 3) === 58 ? 1 : 0;
  const minutes = digitsAt(text, at + 3 + colon, 2);
  if (hours < 0 || minutes < 0 || at + 5 + colon !== text.length || hours > 23 || minutes > 59) return NaN;
  return (c === 45 ? -1 : 1) * (hours * 60 + minutes);
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
