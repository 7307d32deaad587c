/** How a failed send is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Ceiling of the wait after the first failure; doubled after each further one. */
  readonly initialMs: number;
  /** Longest wait, whatever the attempt or the receiver's Retry-After. */
  readonly maxMs: number;
}

/**
 * The wait before the next attempt after `failures` failed ones: exponential backoff with full
 * jitter (a uniform wait below the doubled ceiling, so that many engines retrying a receiver that
 * came back do not arrive together), never shorter than the receiver's Retry-After, capped at `maxMs`.
 */
export function backoffDelay(failures: number, p: RetryPolicy, retryAfterMs: number | null = null, random: () => number = Math.random): number {
  const ceiling = Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, failures - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(p.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** What one HTTP attempt came to. */
export type AttemptOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryable: boolean; readonly error: string; readonly retryAfterMs: number | null };

/**
 * Classifies a response: 2xx delivered; 408, 429 and 5xx worth retrying; any other status is the
 * receiver refusing this payload, which another attempt would not change.
 */
export function classifyResponse(status: number, bodyHead: string, retryAfterMs: number | null): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true };
  const retryable = status === 408 || status === 429 || status >= 500;
  const head = bodyHead.replace(/\s+/g, ' ').trim().slice(0, 200);
  return { ok: false, retryable, error: `HTTP ${status}${head ? `: ${head}` : ''}`, retryAfterMs };
}

/** A `Retry-After` header (seconds, or an HTTP date) in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
