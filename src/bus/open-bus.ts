import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { NatsBus, ReconnectBackoff, connectNats, reconnectDelay, type NatsOptions } from './nats-bus.js';
import { splitNatsUrl } from './nats-servers.js';

/** The address tried when no NATS URL is configured. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** What `openBus` needs: an explicit URL list, or none to try the default and fall back. */
export interface OpenBusOptions extends Omit<NatsOptions, 'servers'> {
  /** Comma-separated server URLs; null means "try the default address, else run in-process". */
  readonly url: string | null;
  readonly log: Logger;
  /** Address tried when `url` is null; `DEFAULT_NATS_URL` unless a test points it elsewhere. */
  readonly defaultUrl?: string;
  /** Aborts the connect loop of an explicit URL (on shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Opens the bus. With an explicit URL it never falls back: it retries with backoff until it
 * connects or `signal` aborts. Without one it tries the default address once and otherwise runs
 * on an in-process bus, saying so in the log.
 */
export async function openBus(opts: OpenBusOptions): Promise<Bus> {
  const { url, log, signal, defaultUrl = DEFAULT_NATS_URL, ...rest } = opts;
  if (url === null) {
    try {
      const backoff = new ReconnectBackoff();
      const nc = await connectNats({ ...rest, servers: [defaultUrl] }, backoff);
      log.info({ server: defaultUrl }, 'connected to NATS');
      return new NatsBus(nc, log, backoff);
    } catch (err) {
      log.warn(
        { server: defaultUrl, err: String(err) },
        'no NATS server answers and NATS_URL is not set: running on an in-process bus (other agents cannot reach this engine)',
      );
      return new MemoryBus(log);
    }
  }
  const { servers, auth } = splitNatsUrl(url, rest);
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      const backoff = new ReconnectBackoff();
      const nc = await connectNats({ ...rest, ...auth, servers }, backoff);
      log.info({ servers }, 'connected to NATS');
      return new NatsBus(nc, log, backoff);
    } catch (err) {
      const delay = reconnectDelay(attempt);
      log.warn({ servers, attempt: attempt + 1, retryInMs: delay, err: String(err) }, 'cannot connect to NATS; retrying');
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
