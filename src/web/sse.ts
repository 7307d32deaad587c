/**
 * Server-Sent Events read with fetch, so that the request can carry `Authorization` (EventSource
 * cannot set headers, and a token in the URL would land in access logs and browser history).
 * Parses the event stream format (event, data, retry, comments) and reconnects after the server's
 * `retry` delay when the stream ends or fails, as EventSource does.
 */

/** An open live stream. */
export interface EventStream {
  close(): void;
}

export interface EventStreamHandlers {
  /** An event: its name (`message` when unnamed) and its data lines joined. */
  onEvent(name: string, data: string): void;
  /** Connected (true) or lost and retrying (false). */
  onState(open: boolean): void;
}

/** Feeds one block of field lines (an event) to the handler; returns a retry delay when the block sets one. */
function dispatch(block: string, handlers: EventStreamHandlers): number | null {
  let name = 'message';
  const data: string[] = [];
  let retry: number | null = null;
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  if (data.length > 0) handlers.onEvent(name, data.join('\n'));
  return retry;
}

/** Opens `url` as an event stream with `headers()` (re-read at each reconnection). */
export function openEventStream(url: string, headers: () => Record<string, string>, handlers: EventStreamHandlers): EventStream {
  const abort = new AbortController();
  let retryMs = 3000;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(url, { headers: { ...headers(), accept: 'text/event-stream' }, cache: 'no-store', signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`live stream refused: ${res.status}`);
        handlers.onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
          buffer = blocks.pop() ?? '';
          for (const b of blocks) retryMs = dispatch(b, handlers) ?? retryMs;
        }
      } catch {
        // Refused, dropped or aborted: retried below unless closed.
      }
      if (abort.signal.aborted) return;
      handlers.onState(false);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return { close: () => abort.abort() };
}
