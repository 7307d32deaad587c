import { Session } from 'node:inspector/promises';
import { getHeapStatistics } from 'node:v8';
import type { CpuProfile } from '../../profile/analysis/cpu-profile.js';

/** Resolves after `ms`, or at once when `signal` aborts (the capture then stops early). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Connects an in-process inspector session: no port is opened, the session talks to this isolate only. */
function openSession(): Session {
  const session = new Session();
  session.connect();
  return session;
}

/** A CPU profile being recorded; `stop` ends it and returns the V8 profile. */
export interface RunningCpuProfile {
  stop(): Promise<CpuProfile>;
}

/** Starts V8's sampling CPU profiler at `intervalUs` through an in-process inspector session. */
export async function startCpuProfile(intervalUs: number): Promise<RunningCpuProfile> {
  const session = openSession();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
  } catch (err) {
    session.disconnect();
    throw err;
  }
  return {
    async stop() {
      try {
        const { profile } = await session.post('Profiler.stop');
        return profile as unknown as CpuProfile;
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Records a CPU profile for `durationMs` (less when `signal` aborts). */
export async function captureCpuProfile(durationMs: number, intervalUs: number, signal: AbortSignal): Promise<CpuProfile> {
  const running = await startCpuProfile(intervalUs);
  await sleepUnlessAborted(durationMs, signal);
  return running.stop();
}

/** A sampling heap profile (`HeapProfiler.stopSampling`) with heap statistics around it. */
export interface HeapCapture {
  readonly profile: { readonly head: unknown; readonly samples?: readonly unknown[] };
  readonly statistics: { readonly start: Record<string, number>; readonly end: Record<string, number> };
}

function heapStatistics(): Record<string, number> {
  return { ...getHeapStatistics() } as unknown as Record<string, number>;
}

/**
 * Records a sampling heap profile for `durationMs`: one sample per `intervalBytes` allocated on
 * average. Without `includeCollected` it describes the sampled objects still alive at the end
 * (what a leak retains); with it, also those the GC freed meanwhile (allocation churn).
 */
export async function captureHeapProfile(
  durationMs: number,
  intervalBytes: number,
  includeCollected: boolean,
  signal: AbortSignal,
): Promise<HeapCapture> {
  const session = openSession();
  try {
    const start = heapStatistics();
    await session.post('HeapProfiler.enable');
    const params = {
      samplingInterval: intervalBytes,
      ...(includeCollected ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {}),
    };
    await session.post('HeapProfiler.startSampling', params);
    await sleepUnlessAborted(durationMs, signal);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return { profile: profile as HeapCapture['profile'], statistics: { start, end: heapStatistics() } };
  } finally {
    session.disconnect();
  }
}
