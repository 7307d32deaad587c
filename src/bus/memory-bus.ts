import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import { EdgeGuard } from './edge-guard.js';
import {
  BusTimeoutError,
  NoRespondersError,
  type Bus,
  type BusMessage,
  type BusStatus,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
} from './bus.js';
import { subjectMatches } from './subject-match.js';

interface Subscription {
  readonly pattern: string;
  readonly handler: MessageHandler;
  readonly queue?: string;
  /** The edge guard delivering to `handler`; none for the bus's own reply inboxes. */
  readonly guard?: EdgeGuard;
}

const encoder = new TextEncoder();

/**
 * An in-process bus with NATS semantics (wildcards, queue groups, request/reply), used when no
 * NATS server answers. Delivery is asynchronous, like a network, so publishers never re-enter
 * their subscribers. Subscriptions go through the same edge guard as on NATS.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly #subs = new Set<Subscription>();
  readonly #queueTurn = new Map<string, number>();
  readonly #limited: RateLimitedLog;
  #closed = false;

  constructor(log: Logger = pino({ level: 'silent' })) {
    this.#limited = new RateLimitedLog(log);
  }

  publish(subject: string, data: Uint8Array | string, opts?: PublishOptions): void {
    if (this.#closed) return;
    const msg: BusMessage = {
      subject,
      data: typeof data === 'string' ? encoder.encode(data) : data,
      ...(opts?.reply ? { reply: opts.reply } : {}),
      ...(opts?.msgId ? { msgId: opts.msgId } : {}),
    };
    for (const sub of this.#targets(subject)) queueMicrotask(() => sub.handler(msg));
  }

  subscribe(subject: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    const guard = new EdgeGuard(subject, handler, opts, (to, data) => this.publish(to, data), this.#limited);
    return this.#add({ pattern: subject, handler: guard.deliver, guard, ...(opts.queue ? { queue: opts.queue } : {}) });
  }

  #add(sub: Subscription): () => void {
    this.#subs.add(sub);
    return () => this.#subs.delete(sub);
  }

  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<BusMessage> {
    if (this.#targets(subject).length === 0) return Promise.reject(new NoRespondersError(subject));
    const inbox = `_INBOX.${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new BusTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      // The reply goes straight to the requester, unguarded: it may exceed any inbound limit (a profile).
      const unsubscribe = this.#add({
        pattern: inbox,
        handler: (msg) => {
          clearTimeout(timer);
          unsubscribe();
          resolve(msg);
        },
      });
      this.publish(subject, data, { reply: inbox });
    });
  }

  async flush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }

  async probe(): Promise<boolean> {
    return !this.#closed;
  }

  connected(): boolean {
    return !this.#closed;
  }

  status(): BusStatus {
    const subscriptions = [...this.#subs].flatMap((s) => (s.guard ? [s.guard.health(!this.#closed)] : []));
    return { kind: 'memory', connected: !this.#closed, server: 'in-process', reconnects: 0, readerAlive: !this.#closed, subscriptions };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subs.clear();
  }

  /** Plain subscribers, plus one member per queue group in turn. */
  #targets(subject: string): Subscription[] {
    const out: Subscription[] = [];
    const groups = new Map<string, Subscription[]>();
    for (const sub of this.#subs) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      if (sub.queue === undefined) out.push(sub);
      else {
        const key = `${sub.pattern}\u0000${sub.queue}`;
        const members = groups.get(key) ?? [];
        members.push(sub);
        groups.set(key, members);
      }
    }
    for (const [key, members] of groups) {
      const turn = this.#queueTurn.get(key) ?? 0;
      this.#queueTurn.set(key, turn + 1);
      out.push(members[turn % members.length]!);
    }
    return out;
  }
}
