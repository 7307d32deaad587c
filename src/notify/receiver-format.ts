import type { ReceiverType } from '../model/delivery.js';
import type { Notice } from './notice.js';

/** What a format is told besides the notices. */
export interface EncodeContext {
  readonly receiver: string;
  /** The engine's base URL, without a trailing slash. */
  readonly externalUrl: string;
  readonly now: number;
  /** Alertmanager's resend interval: a firing alert is posted to expire after four of them. */
  readonly resendMs: number;
  /** The last notice delivered of each finding still firing at this receiver, by finding id. */
  readonly open: ReadonlyMap<string, Notice>;
  readonly groupKey: string;
  /** The values of the receiver's `group_by` fields in this group. */
  readonly groupLabels: Readonly<Record<string, string>>;
}

/** An HTTP request body and the path appended to the receiver's URL. */
export interface EncodedRequest {
  readonly path: string;
  readonly body: unknown;
}

/** Group timing in seconds. */
export interface GroupDefaults {
  readonly group_wait_seconds: number;
  readonly group_interval_seconds: number;
}

/**
 * A kind of receiver: how a group of notices becomes one request, and how the kind behaves.
 * Formats are registered in a {@link FormatRegistry} by the install list (`install.ts`).
 */
export interface ReceiverFormat {
  readonly type: ReceiverType;
  /** Group timing when the receiver's configuration gives none. */
  readonly defaults: GroupDefaults;
  /** Firing notices are posted again every resend interval (Alertmanager expires alerts nobody re-posts). */
  readonly keepsAlive: boolean;
  /** The receiver's `send_resolved: false` may hold back resolutions. */
  readonly resolvedOptional: boolean;
  encode(notices: readonly Notice[], ctx: EncodeContext): EncodedRequest;
}

/** Receiver formats by type. */
export class FormatRegistry {
  readonly #formats = new Map<ReceiverType, ReceiverFormat>();

  /** Adds a format; a type registered twice is a programming error. */
  register(f: ReceiverFormat): this {
    if (this.#formats.has(f.type)) throw new Error(`receiver format ${f.type} registered twice`);
    this.#formats.set(f.type, f);
    return this;
  }

  /** The format of a type; throws for a type nobody registered. */
  get(type: ReceiverType): ReceiverFormat {
    const f = this.#formats.get(type);
    if (!f) throw new Error(`no receiver format for ${type}`);
    return f;
  }

  /** Registered types. */
  types(): ReceiverType[] {
    return [...this.#formats.keys()];
  }
}
