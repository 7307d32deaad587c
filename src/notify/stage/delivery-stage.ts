import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Notification } from '../../alert/notification-queue.js';
import type { ReceiverConfig } from '../../config/delivery-schema.js';
import type { Config } from '../../config/schema.js';
import type { Component } from '../../lifecycle/component.js';
import type { Queryable } from '../../store/db.js';
import { decodeText } from '../../wire/json.js';
import { noticeFromMessage } from '../from-wire.js';
import { installedFormats } from '../install.js';
import type { FormatRegistry } from '../receiver-format.js';
import { planReceiver } from '../receivers.js';
import { loadJournal, pruneJournal, tableJournal, type DeliveryJournal } from './delivery-journal.js';
import { fetchPost, type HttpPost } from './http-post.js';
import { ReceiverChannel, type ChannelSettings, type ChannelStats } from './receiver-channel.js';

/** The stage's settings, read once at start (delivery keys are not live). */
export interface DeliverySettings extends ChannelSettings {
  readonly receivers: readonly ReceiverConfig[];
  readonly retentionDays: number;
}

/** The engine's base URL as receivers should link to it. */
function externalUrl(c: Config): string {
  if (c.delivery_external_url) return c.delivery_external_url.replace(/\/+$/, '');
  const host = c.http_host === '0.0.0.0' || c.http_host === '::' ? hostname() : c.http_host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${c.http_port}`;
}

/** The stage's settings in a configuration. */
export function deliverySettings(c: Config): DeliverySettings {
  return {
    receivers: c.delivery_receivers,
    retentionDays: c.data_retention_days,
    retry: { maxAttempts: c.delivery_max_attempts, initialMs: c.delivery_backoff_initial_ms, maxMs: c.delivery_backoff_max_ms },
    timeoutMs: c.delivery_timeout_seconds * 1000,
    resendMs: c.delivery_resend_seconds * 1000,
    externalUrl: externalUrl(c),
    queueMax: c.delivery_queue_max,
  };
}

/** What the stage is built from; `post`, `journal` and `formats` default to the real ones. */
export interface DeliveryDeps {
  readonly db: Queryable;
  readonly log: Logger;
  readonly settings: DeliverySettings;
  readonly post?: HttpPost;
  readonly journal?: DeliveryJournal;
  readonly formats?: FormatRegistry;
  readonly now?: () => number;
}

/** The stage's counters, as `/api/v1/status` shows them. */
export interface DeliveryStatus {
  readonly receivers: readonly ChannelStats[];
  /** Notices offered to the receivers (a notice routed to two counts once). */
  readonly notices: number;
  /** Notices no receiver took. */
  readonly unrouted: number;
  /** Messages that could not be read (never expected: they are the engine's own). */
  readonly unreadable: number;
  readonly dead_letters: number;
  readonly last_error: string | null;
}

const PRUNE_EVERY_MS = 3_600_000;

/**
 * Delivery of alerts, bottlenecks and optimization verdicts beyond NATS: takes every notification
 * the stages queue for the bus (`offer`, whether or not the bus is up), turns it into a notice,
 * and hands it to each receiver whose `match` takes it. Each receiver has its own channel, so a
 * slow or dead one holds up nobody else. Receivers come from the local configuration only.
 */
export class DeliveryStage implements Component {
  readonly name = 'delivery';
  readonly #channels: ReceiverChannel[];
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #notices = 0;
  #unrouted = 0;
  #unreadable = 0;

  constructor(private readonly deps: DeliveryDeps) {
    const formats = deps.formats ?? installedFormats();
    const journal = deps.journal ?? tableJournal(deps.db);
    this.#now = deps.now ?? Date.now;
    this.#channels = deps.settings.receivers.map(
      (r) => new ReceiverChannel(planReceiver(r, formats), deps.settings, deps.post ?? fetchPost, journal, deps.log, this.#now),
    );
  }

  /** Reads the journal (what was delivered, what to keep alive, what was left at the last stop) and starts the channels. */
  async start(): Promise<void> {
    if (this.#channels.length === 0) return;
    await this.#prune();
    for (const ch of this.#channels) {
      try {
        ch.restore(await loadJournal(this.deps.db, ch.plan.name));
      } catch (err) {
        this.deps.log.warn({ err, receiver: ch.plan.name }, 'could not read the delivery journal: starting without it');
      }
      ch.start();
    }
    this.#timer = setInterval(() => void this.#prune(), PRUNE_EVERY_MS);
    this.#timer.unref();
    this.deps.log.info({ receivers: this.#channels.map((c) => `${c.plan.name} (${c.plan.type})`) }, 'delivery receivers ready');
  }

  /** Takes a notification the stages queue for the bus; cheap and synchronous, never throws. */
  offer(n: Notification): void {
    if (this.#channels.length === 0) return;
    let body: unknown;
    try {
      body = JSON.parse(decodeText(n.payload));
    } catch {
      this.#unreadable++;
      return;
    }
    if (body === null || typeof body !== 'object') return;
    const notice = noticeFromMessage(n.subject, body as Record<string, unknown>, this.#now());
    if (!notice) return;
    this.#notices++;
    let taken = false;
    for (const ch of this.#channels) if (ch.offer(notice)) taken = true;
    if (!taken) this.#unrouted++;
  }

  async #prune(): Promise<void> {
    try {
      const removed = await pruneJournal(this.deps.db, this.deps.settings.retentionDays);
      if (removed > 0) this.deps.log.info({ removed }, 'removed delivery journal rows older than the retention');
    } catch (err) {
      this.deps.log.warn({ err }, 'could not prune the delivery journal');
    }
  }

  /** Stops every channel at once (each gives its queue a last attempt, then journals the rest). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#channels.map((c) => c.stop()));
  }

  status(): DeliveryStatus {
    const receivers = this.#channels.map((c) => c.stats());
    const failing = receivers.filter((r) => r.last_error_at !== null).sort((a, b) => b.last_error_at!.localeCompare(a.last_error_at!))[0];
    return {
      receivers,
      notices: this.#notices,
      unrouted: this.#unrouted,
      unreadable: this.#unreadable,
      dead_letters: receivers.reduce((s, r) => s + r.dead_letters, 0),
      last_error: failing ? `${failing.name}: ${failing.last_error}` : null,
    };
  }
}
