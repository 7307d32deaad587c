import type { Logger } from 'pino';
import { type Bus } from './bus.js';
import { encodeJson } from '../wire/json.js';
import { SUBJECTS } from '../wire/subjects.js';

/** Most payload bytes ever echoed in an announcement (PROTOCOL.md). */
export const MAX_ECHO_BYTES = 256;

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
  readonly #lastLog = new Map<string, number>();
  readonly #suppressedLogs = new Map<string, number>();
  #windowStart = 0;
  #announcedInWindow = 0;
  #suppressedAnnouncements = 0;
  #total = 0;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly limits: InvalidMessageLimits = { logEveryMs: 10_000, announcePerSecond: 100 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one rejected message. */
  report(subject: string, code: string, reason: string, data: Uint8Array): void {
    this.#total++;
    const key = `${subject} ${code}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    const t = this.now();
    const last = this.#lastLog.get(subject) ?? -Infinity;
    if (t - last >= this.limits.logEveryMs) {
      this.log.warn(
        { subject, code, reason, sizeBytes: data.byteLength, suppressedSinceLast: this.#suppressedLogs.get(subject) ?? 0 },
        'rejected invalid message',
      );
      this.#lastLog.set(subject, t);
      this.#suppressedLogs.set(subject, 0);
    } else {
      this.#suppressedLogs.set(subject, (this.#suppressedLogs.get(subject) ?? 0) + 1);
    }
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
