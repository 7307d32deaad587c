import { randomBytes } from 'node:crypto';
import type { OrderRequest } from '../order-workload.js';
import type { RunningScenario, ScenarioContext } from './scenario.js';

/** A cached session, as a leaky cache keeps it. */
interface Session {
  readonly id: number;
  readonly createdAt: number;
  readonly user: string;
  readonly tags: readonly string[];
  readonly note: string;
  readonly order?: OrderRequest;
}

const LEAK_BYTES_PER_SECOND = 2 * 1024 * 1024;
const TICK_MS = 250;
/** Retention stops growing past this, so that a long run does not exhaust the machine. */
const MAX_LEAK_BYTES = 1024 * 1024 * 1024;
/** Rough heap size of one session: object, strings and array. */
const SESSION_BYTES = 1200;

/**
 * Adds `count` sessions to the cache and never removes them: the leak. Each carries a kilobyte
 * string of its own (flat, not a rope over a shared filler), so the growth is on the V8 heap
 * (heap_used) and not in external buffers.
 */
export function memoryLeakRetainSessions(cache: Session[], count: number, order?: OrderRequest): void {
  for (let i = 0; i < count; i++) {
    const id = cache.length;
    cache.push({
      id,
      createdAt: Date.now(),
      user: `user-${id % 100_000}`,
      tags: ['web', id % 2 === 0 ? 'eu' : 'us'],
      note: randomBytes(500).toString('hex'),
      ...(order ? { order } : {}),
    });
  }
}

/** `memory_leak`: a session cache without eviction retains every request plus ~2 MiB/s, up to 1 GiB. */
export function startMemoryLeak(ctx: ScenarioContext): RunningScenario {
  const cache: Session[] = [];
  const perTick = Math.round((LEAK_BYTES_PER_SECOND * TICK_MS) / 1000 / SESSION_BYTES);
  let capped = false;
  const full = () => cache.length * SESSION_BYTES >= MAX_LEAK_BYTES;
  const timer = setInterval(() => {
    if (full()) {
      if (!capped) ctx.log.warn({ sessions: cache.length }, 'memory_leak reached its cap; retention stops growing');
      capped = true;
      return;
    }
    memoryLeakRetainSessions(cache, perTick);
  }, TICK_MS);
  const hook = (order: OrderRequest) => {
    if (!full()) memoryLeakRetainSessions(cache, 1, order);
  };
  ctx.workload.hooks.add(hook);
  ctx.log.info({ bytesPerSecond: LEAK_BYTES_PER_SECOND }, 'memory_leak on');
  return {
    stop() {
      clearInterval(timer);
      ctx.workload.hooks.delete(hook);
      cache.length = 0;
    },
  };
}
