import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  errors as natsErrors,
  headers as natsHeaders,
  type ConnectionOptions,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/transport-node';
import type { Logger } from 'pino';
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

/** Header of the publisher's message id (JetStream deduplicates on it). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** A guarded subscription and whether the server-side subscription still stands. */
interface Guarded {
  readonly guard: EdgeGuard;
  isClosed(): boolean;
}

/** How to reach and authenticate to NATS. */
export interface NatsOptions {
  /** One or more server URLs. */
  readonly servers: readonly string[];
  readonly name: string;
  readonly user?: string | null;
  readonly password?: string | null;
  readonly token?: string | null;
  readonly credsFile?: string | null;
  readonly tlsCaFile?: string | null;
  readonly tlsCertFile?: string | null;
  readonly tlsKeyFile?: string | null;
}

/** Authentication and TLS settings of a NATS connection (everything but where and who). */
export type NatsAuth = Omit<NatsOptions, 'servers' | 'name'>;

/** Reconnect delay: exponential from 250 ms, capped at 5 s, with up to 25% jitter. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(5000, 250 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (1 + Math.random() * 0.25));
}

/** Counts reconnect attempts of one outage; reset once connected again. */
export class ReconnectBackoff {
  #attempt = 0;
  next(): number {
    return reconnectDelay(this.#attempt++);
  }
  reset(): void {
    this.#attempt = 0;
  }
}

/** Builds nats.js connection options from ours. */
export function toConnectionOptions(o: NatsOptions, backoff = new ReconnectBackoff()): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: [...o.servers],
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => backoff.next(),
    timeout: 2000,
    pingInterval: 20_000,
  };
  if (o.user) opts.user = o.user;
  if (o.password) opts.pass = o.password;
  if (o.token) opts.token = o.token;
  if (o.credsFile) opts.authenticator = credsAuthenticator(readFileSync(o.credsFile));
  if (o.tlsCaFile || o.tlsCertFile || o.tlsKeyFile) {
    opts.tls = {
      ...(o.tlsCaFile ? { caFile: o.tlsCaFile } : {}),
      ...(o.tlsCertFile ? { certFile: o.tlsCertFile } : {}),
      ...(o.tlsKeyFile ? { keyFile: o.tlsKeyFile } : {}),
    };
  }
  return opts;
}

/** Tries to connect once; throws what the client threw. */
export async function connectNats(o: NatsOptions, backoff?: ReconnectBackoff): Promise<NatsConnection> {
  return connect(toConnectionOptions(o, backoff));
}

/** nats.js options of a publication: the reply subject and the message id as a header. */
function natsPublishOptions(opts?: PublishOptions): { reply?: string; headers?: MsgHdrs } | undefined {
  if (!opts?.reply && !opts?.msgId) return undefined;
  const o: { reply?: string; headers?: MsgHdrs } = {};
  if (opts.reply) o.reply = opts.reply;
  if (opts.msgId) {
    o.headers = natsHeaders();
    o.headers.set(MSG_ID_HEADER, opts.msgId);
  }
  return o;
}

/** The bus over a NATS connection; nats.js reconnects with our backoff, forever. */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  #reconnects = 0;
  #connected = true;
  #readerAlive = true;
  #lastError: string | undefined;
  readonly #subs = new Set<Guarded>();
  readonly #limited: RateLimitedLog;

  constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly backoff?: ReconnectBackoff,
  ) {
    this.#limited = new RateLimitedLog(log);
    void this.#watchStatus();
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.#connected = false;
          this.log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
          break;
        case 'reconnect':
          this.#connected = true;
          this.#readerAlive = true;
          this.#reconnects++;
          this.backoff?.reset();
          this.log.info({ server: s.server, reconnects: this.#reconnects }, 'NATS reconnected');
          break;
        case 'error':
          this.#lastError = String(s.error);
          this.#limited.error('nats error', { err: s.error }, 'NATS error');
          break;
        default:
          break;
      }
    }
  }

  publish(subject: string, data: Uint8Array | string, opts?: PublishOptions): void {
    try {
      this.nc.publish(subject, data, natsPublishOptions(opts));
    } catch (err) {
      this.#lastError = String(err);
      this.#limited.warn(`publish ${subject}`, { err, subject }, 'publish failed');
    }
  }

  /** Subscribes through the edge guard (limits, caught handler errors), so the reader never dies of a message. */
  subscribe(subject: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    const guard = new EdgeGuard(subject, handler, opts, (to, data) => this.publish(to, data), this.#limited);
    const sub = this.nc.subscribe(subject, {
      ...(opts.queue ? { queue: opts.queue } : {}),
      callback: (err, m) => {
        if (err) {
          this.#lastError = String(err);
          this.#limited.error(`subscription ${subject}`, { err, subject }, 'subscription error');
          return;
        }
        const msgId = m.headers?.get(MSG_ID_HEADER);
        guard.deliver({
          subject: m.subject,
          data: m.data,
          ...(m.reply ? { reply: m.reply } : {}),
          ...(msgId ? { msgId } : {}),
        });
      },
    });
    const entry: Guarded = { guard, isClosed: () => sub.isClosed() };
    this.#subs.add(entry);
    return () => {
      this.#subs.delete(entry);
      sub.unsubscribe();
    };
  }

  async request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<BusMessage> {
    try {
      const m = await this.nc.request(subject, data, { timeout: timeoutMs });
      return { subject: m.subject, data: m.data };
    } catch (err) {
      if (err instanceof natsErrors.NoRespondersError) throw new NoRespondersError(subject);
      if (err instanceof natsErrors.TimeoutError) throw new BusTimeoutError(subject, timeoutMs);
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof natsErrors.NoRespondersError) throw new NoRespondersError(subject);
      if (cause instanceof natsErrors.TimeoutError) throw new BusTimeoutError(subject, timeoutMs);
      throw err;
    }
  }

  async flush(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.flush();
  }

  /**
   * A PING/PONG round trip. The PONG is read by the same reader that delivers messages, so a
   * reader that died (as nats.js's does when a callback throws) shows here, while the socket
   * still looks connected.
   */
  async probe(timeoutMs: number): Promise<boolean> {
    if (this.nc.isClosed() || !this.#connected) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const pong = this.nc.flush().then(
      () => true,
      () => false,
    );
    const alive = await Promise.race([pong, timeout]);
    clearTimeout(timer);
    // Only a reply, or its absence while connected, says anything about the reader.
    if (this.#connected) this.#readerAlive = alive;
    if (!alive) this.#limited.error('probe', { timeoutMs }, 'no round trip to the NATS server: the connection delivers nothing');
    return alive;
  }

  connected(): boolean {
    return this.#connected && !this.nc.isClosed();
  }

  status(): BusStatus {
    const server = this.nc.getServer();
    const connected = this.connected();
    return {
      kind: 'nats',
      connected,
      server,
      reconnects: this.#reconnects,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      readerAlive: this.#readerAlive,
      subscriptions: [...this.#subs].map((s) => s.guard.health(connected && this.#readerAlive && !s.isClosed())),
    };
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }
}
