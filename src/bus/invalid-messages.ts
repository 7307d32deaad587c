import type { Logger } from 'pino';
import { type Bus } from './bus.js';
import { encodeJson } from '../wire/json.js';
import { SUBJECTS } from '../wire/subjects.js';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';

/** Most payload bytes ever echoed in an announcement (PROTOCOL.md). */
export const MAX_ECHO_BYTES = 256;

/** Longest reason announced or logged: a reason may quote parts of the message. */
export const MAX_REASON_LENGTH = 1024;

/** What `performance.invalid_message` carries. */
export interface InvalidMessageNotice {
  readonly subject: string;
  readonly reason: string;
  readonly code: string;
  readonly received_at: string;
  readonly size_bytes: number;
  /** First bytes of the payload (at most 256), as text. */
  readonly payload_head: string;
  /** Announcements skipped since the previous one because of the rate limit. */
  readonly suppressed: number;
}

/** Rate limits of logging and announcing. */
export interface InvalidMessageLimits {
  /** Shortest time between two log lines per subject. */
  readonly logEveryMs: number;
  /** Most announcements per second; the rest are counted in `suppressed`. */
  readonly announcePerSecond: number;
}

/**
 * Counts, logs (rate-limited) and announces rejected inbound messages. Never throws: a bad
 * message is the sender's problem, not the engine's.
 */
export class InvalidMessageReporter {
  readonly #counts = new Map<string, number>();
  readonly #limited: RateLimitedLog;
  #windowStart = 0;
  #announcedInWindow = 0;
  #suppressedAnnouncements = 0;
  #total = 0;

  constructor(
    private readonly bus: Bus,
    log: Logger,
    private readonly limits: InvalidMessageLimits = { logEveryMs: 10_000, announcePerSecond: 100 },
    private readonly now: () => number = Date.now,
  ) {
    this.#limited = new RateLimitedLog(log, limits.logEveryMs, now);
  }

  /** Records one rejected message. */
  report(subject: string, code: string, fullReason: string, data: Uint8Array): void {
    this.#total++;
    const key = `${subject} ${code}`;
    // Codes are the engine's own words, but the subject of a wildcard subscription is the sender's: keep the map bounded.
    if (this.#counts.size < 1000 || this.#counts.has(key)) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    const reason = fullReason.length > MAX_REASON_LENGTH ? `${fullReason.slice(0, MAX_REASON_LENGTH - 3)}...` : fullReason;
    const t = this.now();
    this.#limited.warn(subject, { subject, code, reason, sizeBytes: data.byteLength }, 'rejected invalid message');
    if (t - this.#windowStart >= 1000) {
      this.#windowStart = t;
      this.#announcedInWindow = 0;
    }
    if (this.#announcedInWindow >= this.limits.announcePerSecond) {
      this.#suppressedAnnouncements++;
      return;
    }
    this.#announcedInWindow++;
    const notice: InvalidMessageNotice = {
      subject,
      reason,
      code,
      received_at: new Date(t).toISOString(),
      size_bytes: data.byteLength,
      payload_head: Buffer.from(data.subarray(0, MAX_ECHO_BYTES)).toString('utf8'),
      suppressed: this.#suppressedAnnouncements,
    };
    this.#suppressedAnnouncements = 0;
    this.bus.publish(SUBJECTS.invalidMessage, encodeJson(notice));
  }

  /** Total rejected so far. */
  get total(): number {
    return this.#total;
  }

  /** Rejections by `subject code`. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
