import WebSocket from 'ws';
import { CaptureError } from './capture-types.js';
import type { DevtoolsChannel } from './devtools-channel.js';

/** Limits of a WebSocket DevTools channel. */
export interface WsChannelOptions {
  /** Longest wait for the connection to open. */
  readonly connectTimeoutMs: number;
  /** Longest wait for the answer to one command. */
  readonly callTimeoutMs: number;
  /** Largest message accepted from the target, bytes (a bigger one closes the connection). */
  readonly maxPayload: number;
}

interface Pending {
  readonly method: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Opens a DevTools protocol channel to another process's inspector (`ws://127.0.0.1:PORT/ID`).
 * Every command has a timeout; a connection that drops fails every pending command.
 */
export async function openWebSocketChannel(url: string, opts: WsChannelOptions): Promise<DevtoolsChannel> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: opts.maxPayload, handshakeTimeout: opts.connectTimeoutMs });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(new CaptureError('inspector_unavailable', `cannot connect to the inspector at ${url}: ${err.message}`, { cause: err })));
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closedReason: string | null = null;
  const failAll = (reason: string): void => {
    closedReason ??= reason;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new CaptureError('failed', `${p.method}: ${reason}`));
    }
    pending.clear();
  };
  ws.on('message', (data) => {
    let msg: { id?: number; result?: unknown; error?: { message?: string } };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new CaptureError('failed', `${p.method}: ${msg.error.message ?? 'protocol error'}`));
    else p.resolve(msg.result);
  });
  ws.on('error', (err) => failAll(`inspector connection error: ${err.message}`));
  ws.on('close', (code) => failAll(code === 1009 ? `message from the target larger than ${opts.maxPayload} bytes` : 'the target closed the inspector connection (did it exit?)'));
  return {
    send(method, params = {}) {
      if (closedReason !== null) return Promise.reject(new CaptureError('failed', `${method}: ${closedReason}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new CaptureError('timeout', `${method}: no answer from the target within ${opts.callTimeoutMs} ms`));
        }, opts.callTimeoutMs);
        pending.set(id, { method, resolve, reject, timer });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close();
      });
    },
  };
}
