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
  if (/^\d{10,16}$/.test(t)) return Number(t);
  return NaN;
}

/** What `parseTimeArg` accepts, for error messages. */
export const TIME_ARG_HELP = 'a duration back from now (90s, 15m, 1h, 7d), "now", an RFC 3339 time, or epoch milliseconds';
