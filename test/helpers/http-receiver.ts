import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got. */
export interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  /** The status it was answered with. */
  readonly status: number;
}

/** A local HTTP server standing in for a webhook or Slack: records every POST. */
export interface HttpReceiver {
  readonly url: string;
  readonly received: Received[];
  /** Bodies answered with 2xx. */
  accepted(): unknown[];
  close(): Promise<void>;
}

/**
 * Starts a receiver on a free loopback port. `statuses` are the answers to the first requests in
 * order (e.g. [500] fails the first one); after them every request gets 200. A request is recorded
 * as soon as its body is in, and answered `answerDelayMs` later.
 */
export async function startHttpReceiver(statuses: readonly number[] = [], answerDelayMs = 0): Promise<HttpReceiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[received.length] ?? 200;
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, status });
      const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
      if (answerDelayMs > 0) setTimeout(answer, answerDelayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted: () => received.filter((r) => r.status < 300).map((r) => r.body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback URL nothing listens on (a dead receiver). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}
