const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90s`, `15m`, `1h`, `7d`, `500ms`, `1.5h` to milliseconds; NaN when invalid. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
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
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(t)) return Date.parse(t);
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
