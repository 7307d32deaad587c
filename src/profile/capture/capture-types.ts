import type { CpuProfile } from '../analysis/cpu-profile.js';
import type { ProfileKind } from '../../model/profile.js';

/** How a raw profile is encoded: the formats `analyzeProfileBytes` recognises. */
export const RAW_FORMATS = ['cpuprofile', 'heapprofile', 'event_loop'] as const;
/** A raw profile format. */
export type RawFormat = (typeof RAW_FORMATS)[number];

/** The raw format each profile kind is captured in. */
export const RAW_FORMAT_OF: Readonly<Record<ProfileKind, RawFormat>> = {
  cpu: 'cpuprofile',
  heap: 'heapprofile',
  event_loop: 'event_loop',
};

/** V8's default CPU sampling interval, microseconds; also the engine's default. */
export const DEFAULT_CPU_INTERVAL_US = 1000;
/** Heap sampling interval, bytes: Chrome DevTools' default for allocation sampling. */
export const DEFAULT_HEAP_INTERVAL_BYTES = 32 * 1024;
/** Event-loop delay resolution, milliseconds (as `monitorEventLoopDelay` defaults to). */
export const DEFAULT_LOOP_RESOLUTION_MS = 10;
/** A loop held at least this long counts as a block, milliseconds. */
export const DEFAULT_BLOCK_THRESHOLD_MS = 20;

/** What to record. */
export interface CaptureRequest {
  readonly kind: ProfileKind;
  readonly durationMs: number;
  /** CPU sampling interval (also the stack sampler of `event_loop`), microseconds. */
  readonly samplingIntervalUs?: number;
  /** Heap sampling interval, bytes. */
  readonly heapIntervalBytes?: number;
  /** Heap: keep samples of objects the GC freed meanwhile (allocation churn); default only live objects (what a leak retains). */
  readonly heapIncludeCollected?: boolean;
  /** Event loop: resolution of the delay histogram, milliseconds. */
  readonly loopResolutionMs?: number;
  /** Event loop: shortest stall reported as a block, milliseconds. */
  readonly blockThresholdMs?: number;
  /** Largest raw profile accepted, bytes; a larger one fails with `too_large`. */
  readonly maxBytes: number;
  /** Ends the recording early; the profile covers what was recorded so far. */
  readonly signal?: AbortSignal;
}

/** A recorded profile: the raw bytes as `analyzeProfileBytes` reads them, plus what the recording measured beside. */
export interface CapturedProfile {
  readonly kind: ProfileKind;
  readonly format: RawFormat;
  /** UTF-8 JSON of the profile. */
  readonly raw: Uint8Array;
  /** Epoch milliseconds at the start of recording. */
  readonly startedAt: number;
  /** Length of the recording, milliseconds. */
  readonly durationMs: number;
  /** Kind-specific measurements taken beside the profile (heap statistics, sampling settings). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Starts and stops V8's CPU profiler for one recording (over `node:inspector`, or the eager addon in-process). */
export interface CpuRecorder {
  start(intervalUs: number): Promise<void>;
  /** Ends the recording and returns its profile. */
  stop(): Promise<CpuProfile>;
  /** Ends a recording that failed half-way; never throws. */
  abandon(): Promise<void>;
}

/** Stable codes of capture failures, as replies and reports carry them. */
export const CAPTURE_ERROR_CODES = [
  'busy',
  'not_allowed',
  'not_found',
  'not_node',
  'unsupported',
  'tool_missing',
  'inspector_unavailable',
  'port_in_use',
  'timeout',
  'too_large',
  'agent_error',
  'failed',
] as const;
/** A capture failure code. */
export type CaptureErrorCode = (typeof CAPTURE_ERROR_CODES)[number];

/** A capture that could not be made; the message says why and, where it can, what to do. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Encodes a value as the UTF-8 JSON bytes of a raw profile, failing with `too_large` past `maxBytes`. */
export function encodeRaw(value: unknown, maxBytes: number): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  if (bytes.length > maxBytes) {
    throw new CaptureError('too_large', `profile of ${bytes.length} bytes exceeds the cap of ${maxBytes} bytes (profiling_max_profile_bytes); shorten the duration or raise the sampling interval`);
  }
  return bytes;
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
