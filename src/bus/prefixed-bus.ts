import type { Bus, BusMessage, MessageHandler, PublishOptions, SubscribeOptions } from './bus.js';

/** Reply inboxes are addressed as they are: they belong to the requester, not to the platform. */
function isInbox(subject: string): boolean {
  return subject.startsWith('_INBOX.');
}

/**
 * A bus whose subjects all live under a prefix (e.g. `staging.`), so that several isolated
 * platforms (or test runs) can share one NATS server. Handlers see subjects without the prefix.
 */
export class PrefixedBus implements Bus {
  constructor(
    /** The bus underneath, whose subjects carry the prefix. */
    readonly inner: Bus,
    readonly prefix: string,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  #full(subject: string): string {
    return isInbox(subject) ? subject : `${this.prefix}${subject}`;
  }

  #strip(msg: BusMessage): BusMessage {
    if (!msg.subject.startsWith(this.prefix)) return msg;
    return { ...msg, subject: msg.subject.slice(this.prefix.length) };
  }

  publish(subject: string, data: Uint8Array | string, opts?: PublishOptions): void {
    this.inner.publish(this.#full(subject), data, opts);
  }

  subscribe(subject: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    const { onRefused } = opts;
    const inner = onRefused ? { ...opts, onRefused: (m: BusMessage, code: string, reason: string) => onRefused(this.#strip(m), code, reason) } : opts;
    return this.inner.subscribe(this.#full(subject), (m) => handler(this.#strip(m)), inner);
  }

  async request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<BusMessage> {
    return this.#strip(await this.inner.request(this.#full(subject), data, timeoutMs));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }
  probe(timeoutMs: number): Promise<boolean> {
    return this.inner.probe(timeoutMs);
  }

  status() {
    return this.inner.status();
  }

  connected(): boolean {
    return this.inner.connected();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
