/** Earliest time accepted and stored: the Unix epoch, as for an epoch-milliseconds timestamp. */
export const MIN_STORABLE_MS = 0;

/**
 * Latest time accepted and stored: 9999-12-31T23:59:59.999Z, as for an epoch-milliseconds
 * timestamp. Later years have no four-digit RFC 3339 form: daily partitions could not be named
 * nor bounded, and the engine could not write them out again.
 */
export const MAX_STORABLE_MS = 253_402_300_799_999;

/**
 * Why a real, parsed time cannot be stored, or null when it can. Both timestamp forms get the same
 * range: an RFC 3339 string of year 0000 (before the epoch, and a year PostgreSQL does not know),
 * or one whose offset carries it past year 9999, is refused here at validation rather than by the
 * database after the message was accepted. Separate from the retention window (how old a sample
 * may be), which changes with the configuration.
 */
export function unstorableTime(ms: number): string | null {
  if (ms >= MIN_STORABLE_MS && ms <= MAX_STORABLE_MS) return null;
  const when = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
  return `${when} is outside the storable range ${new Date(MIN_STORABLE_MS).toISOString()} to ${new Date(MAX_STORABLE_MS).toISOString()}`;
}
