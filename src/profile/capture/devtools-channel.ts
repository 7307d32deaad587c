import { Session } from 'node:inspector/promises';

/**
 * The slice of the Chrome DevTools protocol the capture code needs: send a command, get its
 * result. Implemented in-process by a `node:inspector` Session and for another process by a
 * WebSocket to its inspector, so one capture routine serves both.
 */
export interface DevtoolsChannel {
  /** Sends a command; resolves with its result, rejects with the protocol error. */
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

/** A channel to this very process through `node:inspector` (no port is opened). */
export function openInProcessChannel(): DevtoolsChannel {
  const session = new Session();
  session.connect();
  return {
    send: (method, params) => session.post(method, params) as Promise<unknown>,
    async close() {
      session.disconnect();
    },
  };
}
