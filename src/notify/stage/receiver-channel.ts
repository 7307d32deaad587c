import type { Logger } from 'pino';
import { backoffDelay, classifyResponse, parseRetryAfter, type AttemptOutcome, type RetryPolicy } from '../backoff.js';
import { Grouper } from '../grouping.js';
import type { Notice } from '../notice.js';
import type { EncodeContext } from '../receiver-format.js';
import { groupOf, type ReceiverPlan } from '../receivers.js';
import { maskReceiverUrl } from '../../config/delivery-schema.js';
import { SeenKeys } from '../seen-keys.js';
import type { DeliveryJournal, JournalState } from './delivery-journal.js';
import { abortableSleep, FailureLog } from './failure-log.js';
import type { HttpPost } from './http-post.js';

/** Settings shared by every channel. */
export interface ChannelSettings {
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly resendMs: number;
  readonly externalUrl: string;
  readonly queueMax: number;
}

/** A receiver's counters, as `/api/v1/status` shows them. */
export interface ChannelStats {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly queued: number;
  readonly sent: number;
  readonly requests: number;
  readonly failed_attempts: number;
  readonly dead_letters: number;
  readonly dropped: number;
  readonly duplicates: number;
  readonly open: number;
  readonly resent: number;
  readonly last_error: string | null;
  readonly last_error_at: string | null;
  readonly last_sent_at: string | null;
}

/** A group taken from the grouper, with the group's labels. */
interface Batch {
  readonly key: string;
  readonly notices: readonly Notice[];
}

/** Shortest time between two failure lines of one receiver. */
const LOG_EVERY_MS = 60_000;
/** Keys remembered per receiver to deliver each notice once. */
const SEEN_MAX = 10_000;
/** Longest time the final send at shutdown may take. */
const STOP_BUDGET_MS = 5000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Delivery to one receiver: a bounded, grouped queue (the oldest notice dropped and counted past
 * `queueMax`), one request at a time, retries with exponential backoff and jitter, dead letters
 * counted and journaled, each notice delivered once (by its key), and for Alertmanager the firing
 * alerts posted again every resend interval. A dead receiver holds up only its own queue.
 */
export class ReceiverChannel {
  readonly #grouper: Grouper<Notice>;
  readonly #seen = new SeenKeys(SEEN_MAX);
  /** Last delivered notice of each finding still firing (kept alive at Alertmanager). */
  readonly #open = new Map<string, Notice>();
  /** Ends a backoff wait: at once on stop. */
  readonly #abort = new AbortController();
  /** Ends a request under way: on stop, once the stop's budget is spent. */
  readonly #requestAbort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #resendTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #resendDue = false;
  #stopped = false;
  /** A group whose retries the stop interrupted. */
  #leftover: Batch[] = [];
  #c = { sent: 0, requests: 0, failed: 0, dead: 0, dropped: 0, duplicates: 0, resent: 0 };
  #lastError: string | null = null;
  #lastErrorAt: number | null = null;
  #lastSentAt: number | null = null;
  readonly #failures: FailureLog;

  constructor(
    readonly plan: ReceiverPlan,
    private readonly settings: ChannelSettings,
    private readonly post: HttpPost,
    private readonly journal: DeliveryJournal,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.#grouper = new Grouper(plan.timing, settings.queueMax);
    this.#failures = new FailureLog(log, { receiver: plan.name, type: plan.type }, LOG_EVERY_MS, now);
  }

  /** Continues from the journal: delivered keys are not sent again, open findings kept alive, pending ones queued. */
  restore(state: JournalState): void {
    for (const k of state.done) this.#seen.add(k);
    for (const n of state.open) this.#open.set(n.id, n);
    for (const n of state.pending) this.offer(n);
  }

  /** Starts the resend timer of formats that keep alerts alive. */
  start(): void {
    if (!this.plan.format.keepsAlive) return;
    this.#resendTimer = setInterval(() => {
      this.#resendDue = true;
      this.#kick();
    }, this.settings.resendMs);
    this.#resendTimer.unref();
  }

  /** Queues a notice the receiver accepts; false when it does not, or already has it. */
  offer(n: Notice): boolean {
    if (this.#stopped || !this.plan.accepts(n)) return false;
    if (this.#seen.has(n.key)) {
      this.#c.duplicates++;
      return false;
    }
    this.#seen.add(n.key);
    const dropped = this.#grouper.add(groupOf(n, this.plan.groupBy).key, n, this.now());
    if (dropped) {
      this.#c.dropped++;
      const error = `queue full (${this.settings.queueMax}): dropped the oldest notice`;
      this.#fail(error);
      void this.#record('a dropped notice', this.journal.dead(this.plan.name, [dropped], error, 0));
    }
    this.#schedule();
    return true;
  }

  /** Arms the timer for the next due group, unless a run is under way (it re-arms when done). */
  #schedule(): void {
    if (this.#running || this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const next = this.#grouper.nextDueAt();
    if (next === null) return;
    this.#timer = setTimeout(() => this.#kick(), Math.max(0, next - this.now()));
    this.#timer.unref();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      this.#schedule();
    });
  }

  /** Sends every due group, one after another, then the resend if one is due. */
  async #run(): Promise<void> {
    for (;;) {
      const due = this.#grouper.takeDue(this.now());
      if (due.length === 0) break;
      for (const g of due) {
        if (this.#stopped) this.#leftover.push({ key: g.key, notices: g.items });
        else await this.#deliver({ key: g.key, notices: g.items });
      }
      if (this.#stopped) return;
    }
    if (this.#resendDue) {
      this.#resendDue = false;
      await this.#resend();
    }
  }

  #context(b: Batch): EncodeContext {
    const first = b.notices[0]!;
    return {
      receiver: this.plan.name,
      externalUrl: this.settings.externalUrl,
      now: this.now(),
      resendMs: this.settings.resendMs,
      open: this.#open,
      groupKey: `${this.plan.name}:${b.key}`,
      groupLabels: groupOf(first, this.plan.groupBy).labels,
    };
  }

  /** One group: attempts with backoff until delivered, refused, out of attempts or stopped. */
  async #deliver(b: Batch): Promise<void> {
    const { maxAttempts } = this.settings.retry;
    const req = this.plan.format.encode(b.notices, this.#context(b));
    const body = JSON.stringify(req.body);
    let outcome: AttemptOutcome = { ok: false, retryable: true, error: 'not attempted', retryAfterMs: null };
    let attempts = 0;
    while (attempts < maxAttempts) {
      attempts++;
      outcome = await this.#attempt(req.path, body, this.settings.timeoutMs, this.#requestAbort.signal);
      if (outcome.ok) return this.#delivered(b.notices);
      if (this.#stopped) {
        this.#leftover.push(b);
        return;
      }
      this.#c.failed++;
      this.#noteError(outcome.error);
      if (!outcome.retryable || attempts >= maxAttempts) break;
      if (!(await abortableSleep(backoffDelay(attempts, this.settings.retry, outcome.retryAfterMs, this.random), this.#abort.signal))) {
        this.#leftover.push(b);
        return;
      }
    }
    if (!outcome.ok) await this.#deadLetters(b.notices, outcome.error, attempts);
  }

  async #attempt(path: string, body: string, timeoutMs = this.settings.timeoutMs, signal?: AbortSignal): Promise<AttemptOutcome> {
    this.#c.requests++;
    try {
      const res = await this.post({ url: `${this.plan.url}${path}`, headers: this.plan.headers, body, timeoutMs, signal });
      return classifyResponse(res.status, res.bodyHead, parseRetryAfter(res.retryAfter, this.now()));
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { ok: false, retryable: true, error: `${(err as Error).name}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`, retryAfterMs: null };
    }
  }

  async #delivered(notices: readonly Notice[]): Promise<void> {
    this.#c.sent += notices.length;
    this.#lastSentAt = this.now();
    const open = new Set<string>();
    for (const n of notices) {
      if (n.state === 'resolved') this.#open.delete(n.id);
      else if (n.lasting && this.plan.format.keepsAlive) this.#open.set(n.id, n);
    }
    for (const n of notices) if (this.#open.get(n.id) === n) open.add(n.id);
    await this.#record('a delivery', this.journal.sent(this.plan.name, notices, open));
  }

  async #deadLetters(notices: readonly Notice[], error: string, attempts: number): Promise<void> {
    this.#c.dead += notices.length;
    for (const n of notices) if (n.state === 'resolved') this.#open.delete(n.id);
    this.#fail(`${notices.length} notice(s) undeliverable after ${attempts} attempt(s): ${error}`);
    await this.#record('dead letters', this.journal.dead(this.plan.name, notices, error, attempts));
  }

  /** Posts every open firing alert again (one attempt: the next resend is the retry). */
  async #resend(): Promise<void> {
    const open = [...this.#open.values()];
    if (open.length === 0) return;
    const req = this.plan.format.encode(open, this.#context({ key: 'resend', notices: open }));
    const outcome = await this.#attempt(req.path, JSON.stringify(req.body), this.settings.timeoutMs, this.#requestAbort.signal);
    if (outcome.ok) this.#c.resent += open.length;
    else if (!this.#stopped) {
      this.#c.failed++;
      this.#fail(`re-posting ${open.length} firing alert(s) failed: ${outcome.error}`);
    }
  }

  /** Waits for a journal write; a failure is logged and delivery goes on. */
  async #record(what: string, write: Promise<void>): Promise<void> {
    await write.catch((err: unknown) => this.log.warn({ err, receiver: this.plan.name }, `could not journal ${what}`));
  }

  #noteError(error: string): void {
    this.#lastError = error;
    this.#lastErrorAt = this.now();
  }

  /** Records a failure; the log gets at most one line per receiver per minute. */
  #fail(error: string): void {
    this.#noteError(error);
    this.#failures.warn(error, 'delivery failed');
  }

  /**
   * Stops: ends a backoff wait at once, lets a request under way finish within a short budget (the
   * receiver may already have it: cut short, its outcome would be unknown and the notice sent
   * again at the next start), then gives what is still queued one attempt within what is left of
   * that budget; what fails is journaled as pending for the next start.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#timer, this.#resendTimer]) if (t) clearTimeout(t);
    this.#abort.abort();
    const deadline = this.now() + STOP_BUDGET_MS;
    const cut = setTimeout(() => this.#requestAbort.abort(), STOP_BUDGET_MS);
    await this.#running;
    clearTimeout(cut);
    const batches = [...this.#leftover, ...this.#grouper.takeAll().map((g) => ({ key: g.key, notices: g.items }))];
    this.#leftover = [];
    const pending: Notice[] = [];
    for (const b of batches) {
      const budget = Math.min(this.settings.timeoutMs, deadline - this.now());
      if (budget <= 0 || !(await this.#finalSend(b, budget))) pending.push(...b.notices);
    }
    if (pending.length > 0) await this.#record('pending notices', this.journal.pending(this.plan.name, pending));
  }

  async #finalSend(b: Batch, timeoutMs: number): Promise<boolean> {
    const req = this.plan.format.encode(b.notices, this.#context(b));
    const outcome = await this.#attempt(req.path, JSON.stringify(req.body), timeoutMs);
    if (outcome.ok) await this.#delivered(b.notices);
    else this.#noteError(outcome.error);
    return outcome.ok;
  }

  stats(): ChannelStats {
    const c = this.#c;
    return {
      name: this.plan.name,
      type: this.plan.type,
      url: maskReceiverUrl(this.plan.url),
      queued: this.#grouper.size,
      sent: c.sent,
      requests: c.requests,
      failed_attempts: c.failed,
      dead_letters: c.dead,
      dropped: c.dropped,
      duplicates: c.duplicates,
      open: this.#open.size,
      resent: c.resent,
      last_error: this.#lastError,
      last_error_at: iso(this.#lastErrorAt),
      last_sent_at: iso(this.#lastSentAt),
    };
  }
}
