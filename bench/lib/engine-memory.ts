import { processRss } from './services.js';

/** The engine's memory at one moment: RSS from /proc, the rest from its own `/metrics` (prom-client's default metrics). */
export interface MemoryReading {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  /** Committed bytes per V8 heap space (`new`, `old`, `code`, `large_object`, ...). */
  readonly spaces: Readonly<Record<string, number>>;
  /** Memory V8 is told of outside its heap: typed arrays' backing stores, Buffers. */
  readonly external: number;
}

const SAMPLE = /^(nodejs_heap_size_total_bytes|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_total_bytes)(?:\{space="([a-z_]+)"\})? ([0-9.e+]+)$/;

/** Reads the engine's memory (RSS from /proc, heap figures from `/metrics`). */
export async function readEngineMemory(pid: number, http: string): Promise<MemoryReading> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const spaces: Record<string, number> = {};
  let heapTotal = 0;
  let heapUsed = 0;
  let external = 0;
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === 'nodejs_heap_size_total_bytes') heapTotal = value;
    else if (m[1] === 'nodejs_heap_size_used_bytes') heapUsed = value;
    else if (m[1] === 'nodejs_external_memory_bytes') external = value;
    else if (m[2] !== undefined && value > 0) spaces[m[2]] = value;
  }
  return { rss: processRss(pid).current, heapTotal, heapUsed, spaces, external };
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)}`;

/** One line: RSS, V8's committed heap by space, the used heap, and the external memory, in MB. */
export function formatMemory(r: MemoryReading): string {
  const spaces = Object.entries(r.spaces)
    .map(([name, bytes]) => `${name} ${mb(bytes)}`)
    .join(', ');
  const rest = r.rss - r.heapTotal - r.external;
  return `RSS ${mb(r.rss)} MB = V8 heap ${mb(r.heapTotal)} (${spaces}; ${mb(r.heapUsed)} used) + external ${mb(r.external)} + the rest ${mb(rest)} (code, stacks, allocator, native)`;
}

/**
 * Polls the engine's memory every `everyMs` while a run goes on, and keeps the reading of highest
 * RSS: where the peak RSS went.
 */
export function traceEngineMemory(pid: number, http: string, everyMs = 500): { stop(): Promise<MemoryReading | null> } {
  let peak: MemoryReading | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await readEngineMemory(pid, http);
        if (peak === null || r.rss > peak.rss) peak = r;
      } catch {
        // The engine is busy or stopping: the next reading counts.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}
